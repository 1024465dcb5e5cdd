//! Users and their site roles.

use super::rows::user_from_row;
use crate::common::{contains_pattern, role_texts};
use crate::db::{Ex, Tx, sql};
use crate::{
    Credentials, Entity, NewOrganization, NewUser, Organization, Store, StoreError, StoreResult,
    Time, Unique, User, UserQuery, UserStatus,
};
use tollgate_core::{Role, Rule};
use uuid::Uuid;

/// The columns of a [`User`]; the password hash is read only for [`Credentials`].
pub(crate) const USER_COLUMNS: &str = "u.id, u.username, u.email, u.name, u.avatar_url, u.status,
    u.login_type, u.is_system, u.created_at, u.updated_at, u.last_seen_at,
    (SELECT string_agg(r.role, ',') FROM user_roles r WHERE r.user_id = u.id) AS roles,
    (SELECT string_agg(CAST(m.organization_id AS TEXT), ',') FROM organization_members m
        WHERE m.user_id = u.id) AS organization_ids";

fn select(filter: &str) -> String {
    format!("SELECT {USER_COLUMNS} FROM users u WHERE {filter}")
}

pub(crate) async fn fetch_user<'a>(ex: impl Into<Ex<'a>>, user: Uuid) -> StoreResult<Option<User>> {
    let row = sql(select("u.id = $1 AND NOT u.deleted")).bind(user).fetch_optional(ex).await?;
    row.as_ref().map(user_from_row).transpose()
}

/// `NotFound(User)` unless the user exists and is not deleted; on PostgreSQL the row stays
/// locked against a concurrent delete until the transaction ends.
pub(crate) async fn require_user(tx: &mut Tx, user: Uuid) -> StoreResult<()> {
    let found = sql("SELECT id FROM users WHERE id = $1 AND NOT deleted {FOR_SHARE}")
        .bind(user)
        .exists(tx)
        .await?;
    if found { Ok(()) } else { Err(StoreError::NotFound(Entity::User)) }
}

/// Which of the new user's names is taken (case-insensitively), username first.
async fn taken_name(tx: &mut Tx, user: &NewUser) -> StoreResult<Option<Unique>> {
    let row = sql("SELECT lower(username) = lower($1) AS username_taken FROM users
                   WHERE NOT deleted AND (lower(username) = lower($1) OR lower(email) = lower($2))
                   ORDER BY 1 DESC LIMIT 1")
    .bind(&user.username)
    .bind(&user.email)
    .fetch_optional(tx)
    .await?;
    Ok(match row {
        None => None,
        Some(row) if row.flag("username_taken")? => Some(Unique::Username),
        Some(_) => Some(Unique::Email),
    })
}

async fn insert_user(tx: &mut Tx, user: &NewUser) -> StoreResult<()> {
    if let Some(rule) = taken_name(tx, user).await? {
        return Err(StoreError::Conflict(rule));
    }
    for org in &user.organization_ids {
        super::orgs::require_org(tx, *org).await?;
    }
    sql("INSERT INTO users (id, username, email, name, avatar_url, password_hash, login_type,
                            status, is_system, deleted, created_at, updated_at)
         VALUES ($1, $2, $3, $4, '', $5, $6, 'active', FALSE, FALSE, $7, $7)")
    .bind(user.id)
    .bind(&user.username)
    .bind(&user.email)
    .bind(&user.name)
    .bind(&user.password_hash)
    .bind(&user.login_type)
    .bind(user.created_at)
    .execute(&mut *tx)
    .await?;
    insert_roles(tx, user.id, &user.roles).await?;
    for org in &user.organization_ids {
        insert_membership(tx, *org, user.id, user.created_at).await?;
    }
    Ok(())
}

async fn insert_roles(tx: &mut Tx, user: Uuid, roles: &[Role]) -> StoreResult<()> {
    for role in role_texts(roles) {
        sql("INSERT INTO user_roles (user_id, role) VALUES ($1, $2)")
            .bind(user)
            .bind(role)
            .execute(&mut *tx)
            .await?;
    }
    Ok(())
}

/// Idempotent; the organization and the user must exist.
pub(crate) async fn insert_membership(
    tx: &mut Tx,
    org: Uuid,
    user: Uuid,
    at: Time,
) -> StoreResult<()> {
    sql("INSERT INTO organization_members (organization_id, user_id, created_at)
         VALUES ($1, $2, $3) ON CONFLICT DO NOTHING")
    .bind(org)
    .bind(user)
    .bind(at)
    .execute(tx)
    .await
    .map(drop)
}

/// Deleted users count: once a deployment had an owner, first-user setup stays closed.
async fn any_user<'a>(ex: impl Into<Ex<'a>>) -> StoreResult<bool> {
    sql("SELECT 1 FROM users WHERE NOT is_system LIMIT 1").exists(ex).await
}

/// `Rejected(LastOwner)` if `user` is an active owner and no other active owner exists: call
/// before taking `user` out of the active owners, first thing in the transaction. It holds the
/// roles table against every other writer until the transaction ends (SQLite serialises writers
/// already), so two of the last two owners removed at once cannot both pass the count.
async fn keep_an_owner(tx: &mut Tx, user: Uuid) -> StoreResult<()> {
    tx.lock_table("user_roles").await?;
    const ACTIVE_OWNERS: &str = "FROM users u JOIN user_roles r ON r.user_id = u.id
        WHERE r.role = 'owner' AND u.status = 'active' AND NOT u.deleted";
    let row = sql(format!(
        "SELECT count(*) AS n, COALESCE(SUM(CASE WHEN u.id = $1 THEN 1 ELSE 0 END), 0) AS target
         {ACTIVE_OWNERS}"
    ))
    .bind(user)
    .fetch_one(&mut *tx)
    .await?;
    let (owners, target_is_one) = (row.bigint("n")?, row.bigint("target")? > 0);
    if target_is_one && owners <= 1 { Err(Rule::LastOwner.into()) } else { Ok(()) }
}

/// Locks the user's row (PostgreSQL) so concurrent changes apply one after the other.
async fn lock_user(tx: &mut Tx, user: Uuid) -> StoreResult<()> {
    let found = sql("SELECT id FROM users WHERE id = $1 AND NOT deleted {FOR_UPDATE}")
        .bind(user)
        .exists(tx)
        .await?;
    if found { Ok(()) } else { Err(StoreError::NotFound(Entity::User)) }
}

async fn created_user(tx: &mut Tx, user: Uuid) -> StoreResult<User> {
    fetch_user(tx, user).await?.ok_or(StoreError::NotFound(Entity::User))
}

impl Store {
    pub async fn has_any_user(&self) -> StoreResult<bool> {
        any_user(&self.db).await
    }

    /// Creates the deployment's first user, the default organization (with its Everyone group)
    /// and the membership, atomically. `Conflict(FirstUser)` if any user already exists; several
    /// replicas calling at once create one.
    pub async fn create_first_user(
        &self,
        user: NewUser,
        org: NewOrganization,
    ) -> StoreResult<(User, Organization)> {
        let mut tx = self.db.begin().await?;
        tx.lock_table("users").await?;
        if any_user(&mut tx).await? {
            return Err(StoreError::Conflict(Unique::FirstUser));
        }
        let org = Organization { is_default: true, ..super::orgs::stored(org) };
        super::orgs::insert_organization(&mut tx, &org).await?;
        let mut user = user;
        if !user.organization_ids.contains(&org.id) {
            user.organization_ids.insert(0, org.id);
        }
        insert_user(&mut tx, &user).await?;
        let created = created_user(&mut tx, user.id).await?;
        tx.commit().await?;
        Ok((created, org))
    }

    /// `Conflict(Username)` / `Conflict(Email)` (case-insensitive, among users not deleted);
    /// `NotFound(Organization)` if an organization id does not exist.
    pub async fn create_user(&self, user: NewUser) -> StoreResult<User> {
        let mut tx = self.db.begin().await?;
        insert_user(&mut tx, &user).await?;
        let created = created_user(&mut tx, user.id).await?;
        tx.commit().await?;
        Ok(created)
    }

    pub async fn get_user(&self, user: Uuid) -> StoreResult<Option<User>> {
        fetch_user(&self.db, user).await
    }

    /// Case-insensitive.
    pub async fn get_user_by_username(&self, username: &str) -> StoreResult<Option<User>> {
        let row = sql(select("lower(u.username) = lower($1) AND NOT u.deleted"))
            .bind(username)
            .fetch_optional(&self.db)
            .await?;
        row.as_ref().map(user_from_row).transpose()
    }

    /// Case-insensitive; for login.
    pub async fn get_credentials_by_email(&self, email: &str) -> StoreResult<Option<Credentials>> {
        let row = sql(format!(
            "SELECT {USER_COLUMNS}, u.password_hash FROM users u
             WHERE lower(u.email) = lower($1) AND NOT u.deleted"
        ))
        .bind(email)
        .fetch_optional(&self.db)
        .await?;
        let Some(row) = row else { return Ok(None) };
        Ok(Some(Credentials {
            user: user_from_row(&row)?,
            password_hash: row.opt_text("password_hash")?,
        }))
    }

    /// Ordered by username; the count ignores limit and offset.
    pub async fn list_users(&self, query: &UserQuery) -> StoreResult<(Vec<User>, i64)> {
        const FILTER: &str = "NOT u.deleted AND NOT u.is_system AND ($1 IS NULL
            OR lower(u.username) LIKE lower($1) ESCAPE '\\' OR lower(u.email) LIKE lower($1) ESCAPE '\\'
            OR lower(u.name) LIKE lower($1) ESCAPE '\\')";
        let search = query.search.as_deref().filter(|s| !s.is_empty()).map(contains_pattern);
        let count = sql(format!("SELECT count(*) AS n FROM users u WHERE {FILTER}"))
            .bind(search.clone())
            .fetch_one(&self.db)
            .await?
            .bigint("n")?;
        let rows = sql(format!(
            "{} ORDER BY lower(u.username) {{C}}, u.username {{C}}, u.id LIMIT $2 OFFSET $3",
            select(FILTER)
        ))
        .bind(search)
        .bind(query.page.limit_arg())
        .bind(query.page.offset_arg())
        .fetch_all(&self.db)
        .await?;
        let users = rows.iter().map(user_from_row).collect::<StoreResult<Vec<_>>>()?;
        Ok((users, count))
    }

    /// A soft delete at `at`: the row stays for the chats (and the spend ledger) that reference
    /// it; the limit override, memberships, roles and tokens go. `NotFound(User)`;
    /// `Rejected(LastOwner)` for the last active owner. A removed override is logged.
    pub async fn delete_user(&self, user: Uuid, by: &crate::LimitChange<'_>) -> StoreResult<()> {
        let at = by.at;
        let mut tx = self.db.begin().await?;
        keep_an_owner(&mut tx, user).await?;
        let deleted =
            sql("UPDATE users SET deleted = TRUE, updated_at = $2 WHERE id = $1 AND NOT deleted")
                .bind(user)
                .bind(at)
                .execute(&mut tx)
                .await?;
        if deleted == 0 {
            return Err(StoreError::NotFound(Entity::User));
        }
        crate::spend::log_user_limit_removal(&mut tx, user, by).await?;
        for table in [
            "chat_usage_limit_overrides",
            "group_members",
            "organization_members",
            "user_roles",
            "api_tokens",
        ] {
            sql(format!("DELETE FROM {table} WHERE user_id = $1"))
                .bind(user)
                .execute(&mut tx)
                .await?;
        }
        tx.commit().await
    }

    /// Replaces the user's whole set of site roles. `NotFound(User)`; `Rejected(LastOwner)` if
    /// that takes the owner role from the last active owner.
    pub async fn set_user_roles(&self, user: Uuid, roles: &[Role], at: Time) -> StoreResult<User> {
        let mut tx = self.db.begin().await?;
        if !roles.contains(&Role::Owner) {
            keep_an_owner(&mut tx, user).await?;
        }
        lock_user(&mut tx, user).await?;
        sql("DELETE FROM user_roles WHERE user_id = $1").bind(user).execute(&mut tx).await?;
        insert_roles(&mut tx, user, roles).await?;
        sql("UPDATE users SET updated_at = $2 WHERE id = $1")
            .bind(user)
            .bind(at)
            .execute(&mut tx)
            .await?;
        let updated = created_user(&mut tx, user).await?;
        tx.commit().await?;
        Ok(updated)
    }

    /// Suspends or reactivates the user. `NotFound(User)`; `Rejected(LastOwner)` when
    /// suspending the last active owner.
    pub async fn set_user_status(
        &self,
        user: Uuid,
        status: UserStatus,
        at: Time,
    ) -> StoreResult<User> {
        let mut tx = self.db.begin().await?;
        if status == UserStatus::Suspended {
            keep_an_owner(&mut tx, user).await?;
        }
        lock_user(&mut tx, user).await?;
        sql("UPDATE users SET status = $2, updated_at = $3 WHERE id = $1")
            .bind(user)
            .bind(status.as_str())
            .bind(at)
            .execute(&mut tx)
            .await?;
        let updated = created_user(&mut tx, user).await?;
        tx.commit().await?;
        Ok(updated)
    }

    pub async fn touch_user_last_seen(&self, user: Uuid, at: Time) -> StoreResult<()> {
        sql("UPDATE users SET last_seen_at = $2 WHERE id = $1 AND NOT deleted")
            .bind(user)
            .bind(at)
            .execute(&self.db)
            .await
            .map(drop)
    }
}
