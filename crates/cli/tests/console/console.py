"""The web console end to end in a real Chromium (Playwright for Python, Debian's chromium).

Usage: console.py BASE_URL FIXTURE_DIR [SCREENSHOT_DIR]
Prints one JSON object with what it saw; any failed expectation raises (non-zero exit).
One browser: the owner, a member, and an auditor who signs in with the keyboard alone.
"""
import json
import os
import re
import sys

from playwright.sync_api import expect, sync_playwright

BASE, FIXTURES = sys.argv[1], sys.argv[2]
SHOTS = sys.argv[3] if len(sys.argv) > 3 else ""
PASSWORD = "correct-horse-battery-1"
WIDTHS = {"375": {"width": 375, "height": 812}, "1440": {"width": 1440, "height": 900}}
# A refused message is expected: Chromium logs the 409 it answered as a failed resource load.
EXPECTED = re.compile(r"Failed to load resource: the server responded with a status of (409|401)")
errors = []
seen = {}


def watch(page, who):
    page.on("console", lambda m: m.type == "error" and not EXPECTED.search(m.text)
            and errors.append(f"{who} {page.url}: {m.text}"))
    page.on("pageerror", lambda e: errors.append(f"{who} {page.url}: {e}"))
    return page


def call(page, method, path, body=None):
    """The API as the signed-in page calls it (its cookie and CSRF token)."""
    return page.evaluate("([m, p, b]) => TG.api(m, p, b === null ? undefined : b)", [method, path, body])


def sign_in(page, email):
    page.goto(f"{BASE}/login")
    page.get_by_label("Email", exact=True).fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page).to_have_url(f"{BASE}/chats")


def usage(page):
    return page.get_by_role("status", name="Spend this period", exact=True)


def first_user(owner):
    owner.goto(f"{BASE}/")
    expect(owner.get_by_role("heading", name="Create the first user")).to_be_visible()
    if SHOTS:
        for width, size in WIDTHS.items():
            owner.set_viewport_size(size)
            owner.screenshot(path=os.path.join(SHOTS, f"first-user-{width}.png"), full_page=True)
        owner.set_viewport_size(WIDTHS["1440"])
    owner.get_by_label("Username", exact=True).fill("admin")
    owner.get_by_label("Email", exact=True).fill("admin@example.com")
    owner.get_by_label("Password", exact=True).fill(PASSWORD)
    owner.get_by_label("Confirm password", exact=True).fill(PASSWORD)
    owner.get_by_role("button", name="Create user", exact=True).click()
    expect(owner).to_have_url(f"{BASE}/chats")
    expect(usage(owner)).to_contain_text("No limit")
    # Sign out, a wrong password, then in again.
    owner.get_by_role("button", name="Sign out", exact=True).click()
    expect(owner).to_have_url(f"{BASE}/login")
    owner.get_by_label("Email", exact=True).fill("admin@example.com")
    owner.get_by_label("Password", exact=True).fill("wrong-password-123")
    owner.get_by_role("button", name="Sign in", exact=True).click()
    expect(owner.get_by_role("alert")).to_contain_text("Incorrect email or password")
    sign_in(owner, "admin@example.com")


def setup_member(owner):
    """A member in a group, made through the API as the owner's page (the console has no user form)."""
    member = call(owner, "POST", "/api/v2/users", {
        "username": "member", "email": "member@example.com", "password": PASSWORD})
    org = call(owner, "GET", "/api/v2/organizations")[0]["id"]
    group = call(owner, "POST", f"/api/v2/organizations/{org}/groups", {"name": "interns"})
    call(owner, "PATCH", f"/api/v2/groups/{group['id']}", {"add_users": [member["id"]]})
    return member


def set_limits(owner):
    owner.get_by_role("link", name="Spend limits", exact=True).click()
    expect(owner.get_by_role("heading", name="Spend limits", exact=True)).to_be_visible()
    switch = owner.get_by_role("switch", name="Enable spend limit")
    switch.click()
    expect(switch).to_have_attribute("aria-checked", "true")
    owner.get_by_label("Period", exact=True).select_option("day")
    owner.get_by_label("Default limit (USD)", exact=True).fill("5")
    owner.get_by_role("button", name="Save", exact=True).click()
    expect(owner.get_by_role("table", name="Audit log")).to_contain_text("config.update")
    # A group limit small enough that two answers of the simulated model exhaust it.
    owner.get_by_role("button", name="Add group limit", exact=True).click()
    dialog = owner.get_by_role("dialog")
    dialog.get_by_label("Group", exact=True).select_option(label="interns")
    dialog.get_by_label("Limit (USD)", exact=True).fill("0.0003")
    dialog.get_by_role("button", name="Save group limit", exact=True).click()
    groups = owner.get_by_role("table", name="Group limits")
    expect(groups).to_contain_text("interns")
    expect(groups).to_contain_text("$0.0003")


def chat_until_refused(member):
    member.get_by_role("textbox", name="Message", exact=True).fill("Hello there")
    member.get_by_role("button", name="Send", exact=True).click()
    expect(member).to_have_url(re.compile(r"/chats/[0-9a-f-]{36}$"))
    answers = member.locator(".msg.assistant")
    expect(answers.first).to_contain_text("Cost: $")
    text = "Tell me more, please"
    for sent in range(1, 20):
        member.get_by_role("textbox", name="Message", exact=True).fill(text)
        member.get_by_role("button", name="Send", exact=True).click()
        alert = member.get_by_role("alert")
        answer = answers.nth(sent)
        expect(alert.or_(answer.filter(has_text="Cost:"))).to_be_visible()
        if alert.count():
            break
    expect(alert).to_contain_text(re.compile(r"You've used \$[0-9.]+ of your \$0\.0003 limit\. Resets "))
    expect(member.get_by_role("textbox", name="Message", exact=True)).to_have_value(text)
    # Strict enforcement refuses a run the rest of the budget cannot pay for: spend stops short.
    expect(usage(member)).to_contain_text(re.compile(r"\$0\.0000\d+ of \$0\.0003 used"))
    bar = member.get_by_role("progressbar", name="Share of limit used")
    expect(bar).to_have_attribute("aria-valuenow", re.compile(r"^\d+$"))
    return answers.count()


def raise_override(owner):
    owner.reload()
    owner.get_by_role("button", name="Add user override", exact=True).click()
    dialog = owner.get_by_role("dialog")
    dialog.get_by_label("User", exact=True).select_option(label="member")
    dialog.get_by_label("Limit (USD)", exact=True).fill("2")
    dialog.get_by_role("button", name="Save user override", exact=True).click()
    expect(owner.get_by_role("table", name="User overrides")).to_contain_text("$2.00")


def chat_again(member, before):
    member.reload()
    expect(usage(member)).to_contain_text("of $2.00")
    member.get_by_role("textbox", name="Message", exact=True).fill("And once more")
    member.get_by_role("button", name="Send", exact=True).click()
    expect(member.locator(".msg.assistant")).to_have_count(before + 1)
    expect(member.get_by_role("alert")).to_have_count(0)


def workspace(owner):
    name = "devcontainer-multiple-agents"
    with open(os.path.join(FIXTURES, name, f"{name}.tfstate.json")) as f:
        state = json.load(f)
    with open(os.path.join(FIXTURES, name, f"{name}.tfstate.dot")) as f:
        graph = f.read()
    ws = call(owner, "POST", "/api/v2/users/me/workspaces",
              {"name": "dev", "terraform_state": state, "terraform_graph": graph})
    owner.get_by_role("link", name="Workspaces", exact=True).click()
    owner.get_by_role("link", name="dev", exact=True).click()
    tree = owner.get_by_role("list", name="Resources")
    expect(tree).to_contain_text("agent")
    expect(tree).to_contain_text("devcontainer")
    return ws["id"]


def models(owner):
    owner.get_by_role("link", name="Models", exact=True).click()
    owner.get_by_role("button", name="Add model", exact=True).click()
    dialog = owner.get_by_role("dialog")
    dialog.get_by_label("Provider", exact=True).select_option("simulated")
    dialog.get_by_label("Model", exact=True).fill("simulated-2")
    dialog.get_by_label("Display name", exact=True).fill("Simulated two")
    dialog.get_by_label("Input price per million tokens (USD)", exact=True).fill("1")
    dialog.get_by_label("Output price per million tokens (USD)", exact=True).fill("2.5")
    dialog.get_by_role("button", name="Add model", exact=True).click()
    row = owner.get_by_role("table", name="Models").get_by_role("row").filter(has_text="Simulated two")
    expect(row).to_contain_text("$2.5")
    row.get_by_role("button", name="Set as default", exact=True).click()
    expect(row.get_by_role("button", name="Set as default", exact=True)).to_have_count(0)
    expect(row).to_contain_text("Default")


def sweep(owner, member, chat_url, ws_id):
    """Every page at both widths: it loads, shows the usage indicator, logs no error."""
    pages = {"chats": "/chats", "chat": chat_url, "usage": "/usage", "spend-limits": "/settings/spend",
             "models": "/settings/models", "users": "/users", "workspaces": "/workspaces",
             "workspace": f"/workspaces/{ws_id}"}
    for width, size in WIDTHS.items():
        owner.set_viewport_size(size)
        for name, path in pages.items():
            who = member if name in ("chat", "chats") else owner
            who.set_viewport_size(size)
            who.goto(f"{BASE}{path}")
            expect(who.locator("#content .muted", has_text="Loading…")).to_have_count(0)
            expect(usage(who)).to_be_attached()
            if SHOTS:
                who.screenshot(path=os.path.join(SHOTS, f"{name}-{width}.png"), full_page=True)
        if width == "375":
            owner.get_by_role("button", name="Menu", exact=True).click()
            expect(owner.get_by_role("navigation").get_by_role("link", name="Usage", exact=True)).to_be_visible()
    member.set_viewport_size(WIDTHS["1440"])
    member.goto(f"{BASE}/usage")
    expect(member.get_by_role("listitem").filter(has_text="from your own limit")).to_be_visible()


def money_matches_core(page):
    """The page shows money exactly as core's `Micros` Display (samples from the Rust test)."""
    samples = json.loads(os.environ.get("TOLLGATE_MONEY_SAMPLES", "[]"))
    shown = page.evaluate("(ms) => ms.map(([m]) => TG.money(m))", samples)
    assert shown == [text for _, text in samples], (shown, samples)
    parsed = page.evaluate("(ms) => ms.filter(([m]) => m >= 0).map(([, t]) => TG.parseDollars(t))", samples)
    assert parsed == [m for m, _ in samples if m >= 0], (parsed, samples)


def keyboard_sign_in(browser, owner):
    """An auditor signs in with the keyboard alone, and sees the spend limits read-only."""
    auditor = call(owner, "POST", "/api/v2/users", {
        "username": "auditor", "email": "auditor@example.com", "password": PASSWORD})
    call(owner, "PUT", f"/api/v2/users/{auditor['id']}/roles", {"roles": ["auditor"]})
    page = watch(browser.new_page(), "keyboard")
    page.goto(f"{BASE}/login")
    if SHOTS:
        for width, size in WIDTHS.items():
            page.set_viewport_size(size)
            page.screenshot(path=os.path.join(SHOTS, f"login-{width}.png"), full_page=True)
    page.keyboard.press("Tab")
    page.keyboard.type("auditor@example.com")
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{BASE}/chats")
    page.get_by_role("link", name="Spend limits", exact=True).click()
    expect(page.get_by_role("switch", name="Enable spend limit")).to_be_disabled()
    expect(page.get_by_role("table", name="Group limits")).to_contain_text("interns")
    expect(page.get_by_role("button", name="Save", exact=True)).to_have_count(0)
    expect(page.get_by_role("button", name="Add group limit", exact=True)).to_have_count(0)
    expect(page.get_by_role("link", name="Models", exact=True)).to_have_count(0)
    page.close()


def main():
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=os.environ.get("CHROMIUM", "/usr/bin/chromium"),
                                    args=["--no-sandbox"])
        owner = watch(browser.new_context(viewport=WIDTHS["1440"]).new_page(), "owner")
        first_user(owner)
        setup_member(owner)
        set_limits(owner)
        member = watch(browser.new_context(viewport=WIDTHS["1440"]).new_page(), "member")
        sign_in(member, "member@example.com")
        answers = chat_until_refused(member)
        chat_url = member.url.removeprefix(BASE)
        raise_override(owner)
        chat_again(member, answers)
        ws_id = workspace(owner)
        models(owner)
        sweep(owner, member, chat_url, ws_id)
        money_matches_core(owner)
        keyboard_sign_in(browser, owner)
        browser.close()
    seen["answers_before_refusal"] = answers
    seen["errors"] = errors
    print(json.dumps(seen))
    if errors:
        sys.exit("console errors:\n" + "\n".join(errors))


main()
