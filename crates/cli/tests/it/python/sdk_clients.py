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
