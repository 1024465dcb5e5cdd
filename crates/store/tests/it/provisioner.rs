//! The provisioner's queue: files stored once, a job claimed by one worker, heartbeats that
//! see a cancel, a stale job failed (never re-run) with a clear error and its worker fenced
//! out, logs in order, templates unique per organization.

use crate::fixtures::*;
use tollgate_store::*;
use uuid::Uuid;

conformance!(the_job_queue_claims_fences_and_fails_stale_jobs, files_and_templates);

fn file(owner: Uuid, bytes: &[u8]) -> StoredFile {
    StoredFile {
        id: Uuid::new_v4(),
        sha256: format!("{:064x}", bytes.len()),
        created_by: owner,
        mimetype: "application/x-tar".to_owned(),
        data: bytes.to_vec(),
        created_at: june(1),
    }
}

async fn version(store: &Store, owner: Uuid, org: Uuid, at: Time) -> TemplateVersion {
    let (file, _) = store.insert_file(file(owner, b"tar")).await.expect("file");
    let job = NewJob {
        id: Uuid::new_v4(),
        organization_id: org,
        initiator_id: owner,
        kind: JobKind::TemplateVersionImport,
        file_id: file.id,
        input: serde_json::json!({}),
        created_at: at,
    };
    let version = NewTemplateVersion {
        id: Uuid::new_v4(),
        template_id: None,
        organization_id: org,
        name: format!("v{}", Uuid::new_v4().simple()),
        file_id: file.id,
        created_by: owner,
        created_at: at,
    };
    store.create_template_version(version, job).await.expect("version")
}

async fn the_job_queue_claims_fences_and_fails_stale_jobs(store: &Store) {
    let org = org(store, "acme").await;
    let owner = user(store, "ada", &[org]).await;
    let first = version(store, owner, org, june(1)).await;
    let second = version(store, owner, org, june(2)).await;
    assert_eq!(first.job.status, JobStatus::Pending);

    // Oldest first; each job to one worker.
    let a = store.claim_job("w-a", june(3)).await.expect("claim").expect("a job");
    assert_eq!((a.id, a.status), (first.job.id, JobStatus::Running));
    let b = store.claim_job("w-b", june(3)).await.expect("claim").expect("a job");
    assert_eq!(b.id, second.job.id);
    assert!(store.claim_job("w-c", june(3)).await.expect("claim").is_none());

    // A cancel shows in the next heartbeat.
    assert!(store.cancel_job(b.id, june(4)).await.expect("cancel"));
    let beat = store.heartbeat_job(b.id, "w-b", june(4)).await.expect("beat").expect("still w-b's");
    assert!(beat.canceled_at.is_some());
    assert!(store.finish_job(b.id, "w-b", &JobOutcome::Canceled, june(4)).await.expect("finish"));
    assert!(!store.cancel_job(b.id, june(5)).await.expect("cancel"), "it has ended");

    // Worker a stops beating: its job fails with the stale error and is not run again.
    let logs = [NewJobLog {
        created_at: june(3),
        source: "provisioner".into(),
        level: "info".into(),
        stage: "Setting up".into(),
        output: "Initializing".into(),
    }];
    store.append_job_logs(a.id, &logs).await.expect("logs");
    let failed = store.fail_stale_jobs(june(5), june(6)).await.expect("sweep");
    assert_eq!(failed, [a.id]);
    let a = store.get_job(a.id).await.expect("get").expect("job");
    assert_eq!((a.status, a.error.as_deref()), (JobStatus::Failed, Some(STALE_JOB_ERROR)));
    assert!(store.heartbeat_job(a.id, "w-a", june(6)).await.expect("beat").is_none());
    let late = store.finish_import(a.id, "w-a", None, &JobOutcome::Succeeded, june(6)).await;
    assert!(!late.expect("finish"), "a fenced worker cannot finish");
    assert!(store.claim_job("w-c", june(6)).await.expect("claim").is_none(), "never re-run");
    let stored = store.job_logs(a.id, 0).await.expect("logs");
    assert_eq!(stored.len(), 1);
    assert!(store.job_logs(a.id, stored[0].id).await.expect("logs").is_empty());
}

async fn files_and_templates(store: &Store) {
    let org = org(store, "acme").await;
    let owner = user(store, "ada", &[org]).await;
    let (one, created) = store.insert_file(file(owner, b"abc")).await.expect("file");
    assert!(created);
    let (again, created) = store.insert_file(file(owner, b"abc")).await.expect("file");
    assert_eq!((again.id, created), (one.id, false), "the same bytes are stored once");
    let v = version(store, owner, org, june(1)).await;
    let new = |name: &str| NewTemplate {
        id: Uuid::new_v4(),
        organization_id: org,
        name: name.to_owned(),
        active_version_id: v.id,
        created_by: owner,
        created_at: june(2),
    };
    let t = store.create_template(new("starter")).await.expect("template");
    assert_eq!(
        store.get_template_version(v.id).await.expect("get").expect("v").template_id,
        Some(t.id)
    );
    let dup = store.create_template(new("Starter")).await;
    assert!(matches!(dup, Err(StoreError::Conflict(Unique::TemplateName))), "{dup:?}");
    assert_eq!(store.list_templates(org).await.expect("list"), [t]);
}
