//! Workspaces: a build's whole tree round-trips, names are unique per owner, a token hash finds
//! exactly one agent, and a failed insert leaves nothing behind.

use crate::fixtures::*;
use std::collections::BTreeMap;
use tollgate_store::*;
use uuid::Uuid;

fn hash(n: u8) -> TokenHash {
    TokenHash::new(format!("{n:02x}").repeat(32))
}

fn app(slug: &str, healthcheck: bool) -> WorkspaceApp {
    WorkspaceApp {
        id: Uuid::new_v4(),
        terraform_id: Uuid::new_v4().to_string(),
        slug: slug.to_owned(),
        display_name: format!("{slug} app"),
        command: "run".to_owned(),
        url: "http://localhost:8080".to_owned(),
        icon: "/icon/code.svg".to_owned(),
        group: "tools".to_owned(),
        tooltip: "a tip".to_owned(),
        order: 3,
        subdomain: true,
        external: false,
        hidden: true,
        sharing_level: AppSharingLevel::Authenticated,
        open_in: AppOpenIn::Tab,
        healthcheck: healthcheck.then(|| AppHealthcheck {
            url: "http://localhost:8080/healthz".to_owned(),
            interval: 5,
            threshold: 6,
        }),
    }
}

fn script(name: &str) -> AgentScript {
    AgentScript {
        id: Uuid::new_v4(),
        display_name: name.to_owned(),
        icon: "/emojis/25b6-fe0f.png".to_owned(),
        script: "echo hi".to_owned(),
        cron: "0 * * * *".to_owned(),
        log_path: "start.log".to_owned(),
        run_on_start: true,
        run_on_stop: false,
        start_blocks_login: true,
        timeout_seconds: 30,
    }
}

fn env(name: &str, value: &str, strategy: &str) -> AgentEnv {
    AgentEnv { name: name.to_owned(), value: value.to_owned(), merge_strategy: strategy.to_owned() }
}

fn agent(name: &str, auth: AgentAuth) -> WorkspaceAgent {
    WorkspaceAgent {
        id: Uuid::new_v4(),
        terraform_id: Uuid::new_v4().to_string(),
        name: name.to_owned(),
        auth,
        operating_system: "linux".to_owned(),
        architecture: "amd64".to_owned(),
        directory: "/home/coder".to_owned(),
        env: BTreeMap::from([("A".to_owned(), "1".to_owned()), ("B".to_owned(), "2".to_owned())]),
        connection_timeout_seconds: 120,
        troubleshooting_url: "https://example.com/help".to_owned(),
        motd_file: "/etc/motd".to_owned(),
        display_apps: DisplayApps { vscode: true, web_terminal: true, ..DisplayApps::default() },
        metadata: vec![AgentMetadataItem {
            key: "load".to_owned(),
            display_name: "Load".to_owned(),
            script: "uptime".to_owned(),
            interval: 10,
            timeout: 1,
            order: 2,
        }],
        resources_monitoring: ResourcesMonitoring {
            memory: Some(MemoryMonitor { enabled: true, threshold: 80 }),
            volumes: vec![VolumeMonitor { path: "/".to_owned(), enabled: true, threshold: 90 }],
        },
        api_key_scope: "all".to_owned(),
        order: 7,
        scripts: vec![script("Startup Script"), script("Other")],
        extra_envs: vec![env("PATH", "/a", "append"), env("PATH", "/b", "prepend")],
        apps: vec![app("code", true), app("web", false)],
        devcontainers: Vec::new(),
    }
}

fn devcontainer(name: &str, subagent: Option<WorkspaceAgent>) -> Devcontainer {
    Devcontainer {
        id: Uuid::new_v4(),
        terraform_id: Uuid::new_v4().to_string(),
        terraform_subagent_id: Uuid::new_v4().to_string(),
        name: name.to_owned(),
        workspace_folder: format!("/{name}"),
        config_path: format!("/{name}/.devcontainer.json"),
        subagent: subagent.map(Box::new),
    }
}

fn resource(address: &str, agents: Vec<WorkspaceAgent>) -> WorkspaceResource {
    let (kind, name) = address.split_once('.').expect("type.name address");
    WorkspaceResource {
        id: Uuid::new_v4(),
        address: address.to_owned(),
        name: name.to_owned(),
        resource_type: kind.to_owned(),
        module_path: String::new(),
        instance_type: "t3.micro".to_owned(),
        hide: true,
        icon: "/icon/box.svg".to_owned(),
        daily_cost: 12,
        metadata: vec![
            ResourceMetadataItem {
                key: "secret".to_owned(),
                value: "s3cr3t".to_owned(),
                sensitive: true,
                is_null: false,
            },
            ResourceMetadataItem {
                key: "null".to_owned(),
                value: String::new(),
                sensitive: false,
                is_null: true,
            },
        ],
        agents,
    }
}

/// Two resources: `dev` hosts `main` (token, two devcontainers, one with a sub-agent) and
/// `cloud` (instance id); `secondary` hosts a plan-style agent without a token.
fn build(token: u8) -> WorkspaceBuild {
    let mut sub = agent("dev", AgentAuth::Token(None));
    sub.devcontainers.clear();
    sub.extra_envs = vec![env("IN_CONTAINER", "1", "")];
    let mut main = agent("main", AgentAuth::Token(Some(hash(token))));
    main.devcontainers = vec![devcontainer("dev", Some(sub)), devcontainer("other", None)];
    let cloud = agent("cloud", AgentAuth::InstanceId("i-123".to_owned()));
    let mut plan = agent("secondary", AgentAuth::Token(None));
    plan.apps.clear();
    plan.scripts.clear();
    plan.extra_envs.clear();
    plan.env.clear();
    WorkspaceBuild {
        id: Uuid::new_v4(),
        build_number: 1,
        transition: BuildTransition::Start,
        document: TerraformDocument::State,
        has_ai_task: true,
        has_external_agent: false,
        created_at: june(3),
        resources: vec![
            resource("coder_devcontainer.dev", vec![]),
            resource("null_resource.dev", vec![main, cloud]),
            resource("null_resource.secondary", vec![plan]),
        ],
    }
}

fn new_workspace(owner: Uuid, org: Uuid, name: &str, token: u8) -> NewWorkspace {
    NewWorkspace {
        id: Uuid::new_v4(),
        owner_id: owner,
        organization_id: org,
        name: name.to_owned(),
        created_at: june(3),
        build: build(token),
    }
}

async fn the_tree_round_trips(store: &Store) {
    let org = org(store, "acme").await;
    let ann = user(store, "ann", &[org]).await;
    let new = new_workspace(ann, org, "dev", 1);
    let created = store.create_workspace(new.clone()).await.unwrap();
    assert_eq!(created.latest_build, new.build);
    assert_eq!((created.name.as_str(), created.owner_name.as_str()), ("dev", "ann"));
    assert_eq!((created.created_at, created.updated_at), (june(3), june(3)));
    let got = store.get_workspace(new.id).await.unwrap().expect("stored");
    assert_eq!(got, created);
    assert!(store.get_workspace(Uuid::new_v4()).await.unwrap().is_none());
}

async fn names_are_unique_per_owner(store: &Store) {
    let org = org(store, "acme").await;
    let ann = user(store, "ann", &[org]).await;
    let bob = user(store, "bob", &[org]).await;
    store.create_workspace(new_workspace(ann, org, "dev", 1)).await.unwrap();
    let err = store.create_workspace(new_workspace(ann, org, "DEV", 2)).await;
    assert!(matches!(err, Err(StoreError::Conflict(Unique::WorkspaceName))), "{err:?}");
    store.create_workspace(new_workspace(bob, org, "dev", 3)).await.unwrap();
    let (listed, _) = store.list_workspaces(None, Page::ALL).await.unwrap();
    let names: Vec<_> = listed.iter().map(|w| (w.owner_name.as_str(), w.name.as_str())).collect();
    assert_eq!(names, [("ann", "dev"), ("bob", "dev")]);
    let (mine, _) = store.list_workspaces(Some(bob), Page::ALL).await.unwrap();
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0].owner_id, bob);
}

async fn a_failed_insert_leaves_nothing(store: &Store) {
    let org = org(store, "acme").await;
    let ann = user(store, "ann", &[org]).await;
    store.create_workspace(new_workspace(ann, org, "first", 1)).await.unwrap();
    // The second workspace's agent reuses the first one's token: the last rows fail.
    let second = new_workspace(ann, org, "second", 1);
    let err = store.create_workspace(second.clone()).await;
    assert!(matches!(err, Err(StoreError::Conflict(Unique::AgentToken))), "{err:?}");
    assert!(store.get_workspace(second.id).await.unwrap().is_none());
    assert_eq!(store.list_workspaces(Some(ann), Page::ALL).await.unwrap().1, 1);
    let text = format!("{err:?} {second:?}");
    assert!(!text.contains(hash(1).as_str()), "a token hash reached a Debug or error text");
    // Nothing half-written blocks a retry under the same name.
    store.create_workspace(new_workspace(ann, org, "second", 2)).await.unwrap();
}

async fn unknown_owner_or_organization(store: &Store) {
    let org = org(store, "acme").await;
    let ann = user(store, "ann", &[org]).await;
    let err = store.create_workspace(new_workspace(Uuid::new_v4(), org, "w", 1)).await;
    assert!(matches!(err, Err(StoreError::NotFound(Entity::User))), "{err:?}");
    let err = store.create_workspace(new_workspace(ann, Uuid::new_v4(), "w", 1)).await;
    assert!(matches!(err, Err(StoreError::NotFound(Entity::Organization))), "{err:?}");
    store.delete_user(ann, &tollgate_store::testing::by(june(20))).await.unwrap();
    let err = store.create_workspace(new_workspace(ann, org, "w", 1)).await;
    assert!(matches!(err, Err(StoreError::NotFound(Entity::User))), "{err:?}");
}

async fn a_token_hash_finds_its_agent(store: &Store) {
    let org = org(store, "acme").await;
    let ann = user(store, "ann", &[org]).await;
    let new = new_workspace(ann, org, "dev", 9);
    let main_id = new.build.resources[1].agents[0].id;
    store.create_workspace(new.clone()).await.unwrap();
    let found = store.get_agent_by_token_hash(&hash(9)).await.unwrap();
    let want = AgentIdentity { agent_id: main_id, workspace_id: new.id, owner_id: ann };
    assert_eq!(found, Some(want));
    assert!(store.get_agent_by_token_hash(&hash(8)).await.unwrap().is_none());
    // A deleted owner's agents no longer authenticate.
    store.delete_user(ann, &tollgate_store::testing::by(june(20))).await.unwrap();
    assert!(store.get_agent_by_token_hash(&hash(9)).await.unwrap().is_none());
}

async fn manifests_of_agents_and_sub_agents(store: &Store) {
    let org = org(store, "acme").await;
    let ann = user(store, "ann", &[org]).await;
    let new = new_workspace(ann, org, "dev", 1);
    store.create_workspace(new.clone()).await.unwrap();
    let main = &new.build.resources[1].agents[0];
    let manifest = store.agent_manifest(main.id).await.unwrap().expect("manifest");
    assert_eq!(manifest.agent, *main);
    assert_eq!((manifest.workspace_id, manifest.workspace_name.as_str()), (new.id, "dev"));
    assert_eq!((manifest.owner_id, manifest.owner_name.as_str()), (ann, "ann"));
    assert_eq!(manifest.parent_agent_id, None);
    let sub = main.devcontainers[0].subagent.as_deref().expect("sub-agent");
    let manifest = store.agent_manifest(sub.id).await.unwrap().expect("sub-agent manifest");
    assert_eq!(manifest.agent, *sub);
    assert_eq!(manifest.parent_agent_id, Some(main.id));
    assert!(store.agent_manifest(Uuid::new_v4()).await.unwrap().is_none());
}

/// Listing gives summaries: each listed workspace equals its own `get_workspace` but for the
/// build's resource tree, left out whether it is full, trimmed or empty; pages are taken in
/// order and the count is the whole list's.
async fn listed_summaries_equal_each_get(store: &Store) {
    let org = org(store, "acme").await;
    let ann = user(store, "ann", &[org]).await;
    let bob = user(store, "bob", &[org]).await;
    let full = new_workspace(ann, org, "alpha", 1);
    let mut trimmed = new_workspace(ann, org, "beta", 2);
    trimmed.build.resources.truncate(2);
    trimmed.build.resources[1].agents.truncate(1);
    trimmed.build.build_number = 4;
    trimmed.build.transition = BuildTransition::Stop;
    let mut empty = new_workspace(bob, org, "gamma", 3);
    empty.build.resources.clear();
    let other = new_workspace(bob, org, "delta", 4);
    let all = [full, trimmed, empty, other];
    for new in &all {
        let created = store.create_workspace(new.clone()).await.unwrap();
        assert_eq!(created.latest_build, new.build);
    }
    let (listed, count) = store.list_workspaces(None, Page::ALL).await.unwrap();
    let names: Vec<_> = listed.iter().map(|w| (w.owner_name.as_str(), w.name.as_str())).collect();
    assert_eq!(names, [("ann", "alpha"), ("ann", "beta"), ("bob", "delta"), ("bob", "gamma")]);
    assert_eq!(count, 4);
    for ws in &listed {
        let mut got = store.get_workspace(ws.id).await.unwrap().expect("listed workspace");
        let new = all.iter().find(|n| n.id == ws.id).expect("created");
        assert_eq!(got.latest_build, new.build);
        got.latest_build.resources.clear();
        assert_eq!(*ws, got);
    }
    let (bobs, count) = store.list_workspaces(Some(bob), Page::ALL).await.unwrap();
    assert_eq!((bobs.as_slice(), count), (&listed[2..], 2));
    let (page, count) = store.list_workspaces(None, Page { limit: 2, offset: 1 }).await.unwrap();
    assert_eq!((page.as_slice(), count), (&listed[1..3], 4), "a page, and the whole count");
    let (nobody, count) = store.list_workspaces(Some(Uuid::new_v4()), Page::ALL).await.unwrap();
    assert!(nobody.is_empty() && count == 0);
}

conformance!(
    the_tree_round_trips,
    names_are_unique_per_owner,
    a_failed_insert_leaves_nothing,
    unknown_owner_or_organization,
    a_token_hash_finds_its_agent,
    manifests_of_agents_and_sub_agents,
    listed_summaries_equal_each_get,
);
