"""The official OpenAI and Anthropic Python SDKs against tollgate's gateway, unchanged but for
base_url and api_key (gateway.md section 5). Run by `sdks.rs`; prints one JSON object of what it saw.

usage: sdk_clients.py BASE_URL API_KEY served|limited OPENAI_MODEL ANTHROPIC_MODEL
"""

import json
import sys

import anthropic
import openai

base, key, mode, openai_model, anthropic_model = sys.argv[1:6]
oa = openai.OpenAI(base_url=base + "/v1", api_key=key, max_retries=0)
an = anthropic.Anthropic(base_url=base, api_key=key, max_retries=0)
seen = {}

if mode == "served":
    seen["models"] = [m.id for m in oa.models.list()]

    done = oa.chat.completions.create(
        model=openai_model, messages=[{"role": "user", "content": "hello from the openai sdk"}]
    )
    seen["complete"] = {
        "text": done.choices[0].message.content,
        "finish_reason": done.choices[0].finish_reason,
        "prompt_tokens": done.usage.prompt_tokens,
        "completion_tokens": done.usage.completion_tokens,
    }

    text, usage = "", None
    for chunk in oa.chat.completions.create(
        model=openai_model,
        messages=[{"role": "user", "content": "stream to the openai sdk"}],
        stream=True,
        stream_options={"include_usage": True},
    ):
        if chunk.choices and chunk.choices[0].delta.content:
            text += chunk.choices[0].delta.content
        if chunk.usage:
            usage = chunk.usage.completion_tokens
    seen["stream"] = {"text": text, "completion_tokens": usage}

    message = an.messages.create(
        model=anthropic_model,
        max_tokens=64,
        messages=[{"role": "user", "content": "hello from the anthropic sdk"}],
    )
    seen["messages"] = {
        "text": message.content[0].text,
        "stop_reason": message.stop_reason,
        "output_tokens": message.usage.output_tokens,
    }

    with an.messages.stream(
        model=anthropic_model,
        max_tokens=64,
        messages=[{"role": "user", "content": "stream to the anthropic sdk"}],
    ) as stream:
        streamed = "".join(stream.text_stream)
        final = stream.get_final_message()
    seen["messages_stream"] = {
        "text": streamed,
        "stop_reason": final.stop_reason,
        "output_tokens": final.usage.output_tokens,
    }
    # Tools, through the gateway to the OpenAI-compatible upstream (which calls the first tool
    # with {"n": 1}), from both SDKs; the Anthropic SDK's go through the translation.
    oa_tools = [{"type": "function", "function": {"name": "count", "description": "Counts",
                 "parameters": {"type": "object", "properties": {"n": {"type": "integer"}}}}}]
    called = oa.chat.completions.create(
        model=anthropic_model, messages=[{"role": "user", "content": "count"}], tools=oa_tools
    )
    call = called.choices[0].message.tool_calls[0]
    seen["openai_tool"] = {"name": call.function.name, "arguments": json.loads(call.function.arguments),
                           "finish_reason": called.choices[0].finish_reason}
    pieces = []
    for chunk in oa.chat.completions.create(
        model=anthropic_model, messages=[{"role": "user", "content": "count"}], tools=oa_tools, stream=True
    ):
        for delta in (chunk.choices[0].delta.tool_calls or []) if chunk.choices else []:
            pieces.append(delta.function.arguments or "")
    seen["openai_tool_stream"] = json.loads("".join(pieces))
    answered = oa.chat.completions.create(
        model=anthropic_model, tools=oa_tools,
        messages=[{"role": "user", "content": "count"}, called.choices[0].message.model_dump(exclude_none=True),
                  {"role": "tool", "tool_call_id": call.id, "content": "1"}],
    )
    seen["openai_tool_result"] = answered.choices[0].finish_reason

    an_tools = [{"name": "count", "input_schema": {"type": "object", "properties": {"n": {"type": "integer"}}}}]
    used = an.messages.create(
        model=anthropic_model, max_tokens=64, tools=an_tools, messages=[{"role": "user", "content": "count"}]
    )
    block = used.content[-1]
    seen["anthropic_tool"] = {"type": block.type, "name": block.name, "input": block.input,
                              "stop_reason": used.stop_reason}
    with an.messages.stream(
        model=anthropic_model, max_tokens=64, tools=an_tools, messages=[{"role": "user", "content": "count"}]
    ) as stream:
        final = stream.get_final_message()
    seen["anthropic_tool_stream"] = final.content[-1].input
    answered = an.messages.create(
        model=anthropic_model, max_tokens=64, tools=an_tools,
        messages=[{"role": "user", "content": "count"},
                  {"role": "assistant", "content": [b.model_dump() for b in used.content]},
                  {"role": "user", "content": [{"type": "tool_result", "tool_use_id": block.id, "content": "1"}]}],
    )
    seen["anthropic_tool_result"] = answered.stop_reason
else:
    try:
        oa.chat.completions.create(
            model=openai_model, messages=[{"role": "user", "content": "over the limit"}]
        )
        seen["openai"] = "served"
    except openai.APIStatusError as e:
        seen["openai"] = {"status": e.status_code, "code": e.code, "type": e.type}
    try:
        an.messages.create(
            model=anthropic_model,
            max_tokens=16,
            messages=[{"role": "user", "content": "over the limit"}],
        )
        seen["anthropic"] = "served"
    except anthropic.APIStatusError as e:
        error = e.body.get("error", {}) if isinstance(e.body, dict) else {}
        seen["anthropic"] = {"status": e.status_code, "type": error.get("type"), "code": error.get("code")}

print(json.dumps(seen))
