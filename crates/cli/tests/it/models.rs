//! Issue 13, point 5: models, chats, providers, groups and organizations by name (or id), and
//! a default model that can be set back and whose removal says what to do.

use crate::support::{Home, api, redact, serve, sqlite};

const CHATS: &str = "/api/experimental/chats";

fn model_id(home: &Home, name: &str) -> String {
    let list: serde_json::Value =
        serde_json::from_str(&home.run(&["models", "list", "-o", "json"])).expect("json");
    let found = list.as_array().expect("models").iter().find(|m| m["model"] == name).cloned();
    found.expect(name)["id"].as_str().expect("id").to_owned()
}

#[test]
fn models_and_chats_are_named_and_the_default_can_be_set_back() {
    let (_db, url) = sqlite();
    let server = serve(&url);
    let home = Home::new();
    home.first_user(&server);
    let mut transcript = home.run(&[
        "models",
        "add",
        "simulated",
        "simulated-2",
        "--input-price",
        "1",
        "--output-price",
        "2",
        "--default",
    ]);
    // --model by name: the chat runs on simulated-1 although simulated-2 is the default.
    transcript.push_str(&home.run(&["chat", "--model", "simulated-1", "Explain spend limits"]));
    let chats = api(&server.url, &home.token("default"), CHATS);
    let chat = chats[0]["id"].as_str().expect("chat id").to_owned();
    assert_eq!(chats[0]["last_model_config_id"], model_id(&home, "simulated-1").as_str());

    // A chat by title, by the short id `chat list` shows, and by its full id.
    let short = &chat.replace('-', "")[..8];
    for name in ["Explain spend limits", short, chat.as_str()] {
        home.run(&["chat", "send", name, "and once more"]);
    }
    let page = api(&server.url, &home.token("default"), &format!("{CHATS}/{chat}/messages"));
    assert_eq!(page["messages"].as_array().expect("messages").len(), 8, "4 turns in one chat");
    transcript.push_str(&home.run(&["chat", "list"]));

    transcript.push_str(&home.run(&["models", "default", "simulated-1"]));
    transcript.push_str(&home.run(&["models", "list"]));
    transcript.push_str(&home.run(&["models", "rm", "simulated-2"]));
    transcript.push_str(&home.fails(&["chat", "--model", "simulated-2", "hello"]));
    transcript.push_str(&home.run(&["models", "rm", "simulated-1"]));
    transcript.push_str(&home.fails(&["chat", "hello"]));
    insta::assert_snapshot!("models_and_chats_by_name", redact(&transcript, &home));
}

#[test]
fn providers_groups_and_organizations_by_name() {
    let (_db, url) = sqlite();
    let server = serve(&url);
    let home = Home::new();
    home.first_user(&server);
    home.run(&["orgs", "create", "research"]);
    // `users create --org` takes names like every other command (ids still work).
    home.run(&[
        "users",
        "create",
        "alice",
        "--email",
        "alice@example.com",
        "--no-password",
        "--org",
        "research",
    ]);
    let alice: serde_json::Value =
        serde_json::from_str(&home.run(&["users", "show", "alice", "-o", "json"])).expect("json");
    let orgs: serde_json::Value =
        serde_json::from_str(&home.run(&["orgs", "list", "-o", "json"])).expect("json");
    let research = orgs.as_array().expect("orgs").iter().find(|o| o["name"] == "research").cloned();
    assert_eq!(alice["organization_ids"], serde_json::json!([research.expect("research")["id"]]));

    home.run(&["groups", "create", "interns", "--org", "research"]);
    home.run(&["groups", "add", "interns", "alice", "--org", "research"]);
    let shown = home.run(&["groups", "show", "interns", "--org", "research"]);
    assert!(shown.contains("alice@example.com"), "{shown}");

    let mut transcript =
        home.run(&["providers", "add", "openai-compat", "--base-url", "http://127.0.0.1:9/v1"]);
    transcript.push_str(&home.run(&["providers", "list"]));
    transcript.push_str(&home.run(&["providers", "rm", "openai-compat"]));
    transcript.push_str(&home.run(&["providers", "list"]));
    transcript.push_str(&home.fails(&["groups", "show", "nobody", "--org", "research"]));
    insta::assert_snapshot!("providers_by_name", redact(&transcript, &home));
}
