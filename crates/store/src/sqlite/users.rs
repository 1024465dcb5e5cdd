//! Users and their site roles.

use super::{SqliteStore, Tx, get, id};
use crate::common::{ErrCtx, db_error, micros, role_texts, trunc_micros};
use crate::identity_rows::user_from_row;
use crate::{
    Credentials, NewOrganization, NewUser, Organization, StoreError, StoreResult, Time, User,
    UserQuery,
};
use sqlx::SqliteExecutor;
use tollgate_core::Role;
use uuid::Uuid;

const USER_CONFLICTS: ErrCtx =
    ErrCtx::new("user", "organization").with(&[("username", "username"), ("email", "email")]);

/// The columns of a [`User`]; the password hash is read only for [`Credentials`].
macro_rules! user_columns {
    () => {
        "u.id, u.username, u.email, u.name, u.avatar_url, u.status, u.login_type,
                u.is_system, u.created_at, u.updated_at, u.last_seen_at,
                (SELECT group_concat(r.role, ',') FROM user_roles r WHERE r.user_id = u.id)
                    AS roles,
                (SELECT group_concat(m.organization_id, ',') FROM organization_members m
                    WHERE m.user_id = u.id) AS organization_ids"
    };
}

macro_rules! user_select {
    () => {
        concat!("SELECT ", user_columns!(), " FROM users u ")
    };
}

pub(super) async fn fetch_user<'c>(
    ex: impl SqliteExecutor<'c>,
    user: Uuid,
) -> StoreResult<Option<User>> {
    let row = sqlx::query(concat!(user_select!(), "WHERE u.id = ?1 AND u.deleted = 0"))
        .bind(id(user))
        .fetch_optional(ex)
        .await
        .map_err(db_error)?;
    row.as_ref().map(user_from_row).transpose()
}

/// `NotFound("user")` unless the user exists and is not deleted.
pub(super) async fn require_user(tx: &mut Tx, user: Uuid) -> StoreResult<()> {
    let found: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM users WHERE id = ?1 AND deleted = 0)")
            .bind(id(user))
            .fetch_one(&mut **tx)
            .await
            .map_err(db_error)?;
    if found { Ok(()) } else { Err(StoreError::NotFound("user")) }
}

async fn insert_user(tx: &mut Tx, user: &NewUser) -> StoreResult<()> {
    let at = micros(user.created_at);
    sqlx::query(
        "INSERT INTO users (id, username, email, name, avatar_url, password_hash, login_type,
                            status, is_system, deleted, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, '', ?5, ?6, 'active', 0, 0, ?7, ?7)",
    )
    .bind(id(user.id))
    .bind(&user.username)
    .bind(&user.email)
    .bind(&user.name)
    .bind(&user.password_hash)
    .bind(&user.login_type)
    .bind(at)
    .execute(&mut **tx)
    .await
    .map_err(|e| USER_CONFLICTS.map(e))?;
    insert_roles(tx, user.id, &user.roles).await?;
    for org in &user.organization_ids {
        insert_membership(tx, *org, user.id, user.created_at).await?;
    }
    Ok(())
}

async fn insert_roles(tx: &mut Tx, user: Uuid, roles: &[Role]) -> StoreResult<()> {
    for role in role_texts(roles) {
        sqlx::query("INSERT INTO user_roles (user_id, role) VALUES (?1, ?2)")
            .bind(id(user))
            .bind(role)
            .execute(&mut **tx)
            .await
            .map_err(db_error)?;
    }
    Ok(())
}

/// Idempotent; `NotFound("organization")` when the organization does not exist.
pub(super) async fn insert_membership(
    tx: &mut Tx,
    org: Uuid,
    user: Uuid,
    at: Time,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO organization_members (organization_id, user_id, created_at)
         VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING",
    )
    .bind(id(org))
    .bind(id(user))
    .bind(micros(at))
    .execute(&mut **tx)
    .await
    .map_err(|e| ErrCtx::new("organization member", "organization").map(e))?;
    Ok(())
}

impl SqliteStore {
    pub(super) async fn has_any_user_impl(&self) -> StoreResult<bool> {
        // Deleted users count: once a deployment had an owner, first-user setup stays closed.
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM users WHERE is_system = 0)")
            .fetch_one(&self.pool)
            .await
            .map_err(db_error)
    }

    pub(super) async fn create_first_user_impl(
        &self,
        user: NewUser,
        org: NewOrganization,
    ) -> StoreResult<(User, Organization)> {
        let mut tx = self.begin().await?;
        let any: bool =
            sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM users WHERE is_system = 0)")
                .fetch_one(&mut *tx)
                .await
                .map_err(db_error)?;
        if any {
            return Err(StoreError::Conflict("first user"));
        }
        let org = Organization {
            is_default: true,
            created_at: trunc_micros(org.created_at),
            updated_at: trunc_micros(org.updated_at),
            ..org
        };
        super::orgs::insert_organization(&mut tx, &org).await?;
        let mut user = user;
        if !user.organization_ids.contains(&org.id) {
            user.organization_ids.insert(0, org.id);
        }
        insert_user(&mut tx, &user).await?;
        let created = fetch_user(&mut *tx, user.id).await?.ok_or(StoreError::NotFound("user"))?;
        tx.commit().await.map_err(db_error)?;
        Ok((created, org))
    }

    pub(super) async fn create_user_impl(&self, user: NewUser) -> StoreResult<User> {
        let mut tx = self.begin().await?;
        insert_user(&mut tx, &user).await?;
        let created = fetch_user(&mut *tx, user.id).await?.ok_or(StoreError::NotFound("user"))?;
        tx.commit().await.map_err(db_error)?;
        Ok(created)
    }

    pub(super) async fn get_user_impl(&self, user: Uuid) -> StoreResult<Option<User>> {
        fetch_user(&self.pool, user).await
    }

    pub(super) async fn get_user_by_username_impl(
        &self,
        username: &str,
    ) -> StoreResult<Option<User>> {
        let row = sqlx::query(concat!(
            user_select!(),
            "WHERE lower(u.username) = lower(?1) AND u.deleted = 0"
        ))
        .bind(username)
        .fetch_optional(&self.pool)
        .await
        .map_err(db_error)?;
        row.as_ref().map(user_from_row).transpose()
    }

    pub(super) async fn get_credentials_by_email_impl(
        &self,
        email: &str,
    ) -> StoreResult<Option<Credentials>> {
        let row = sqlx::query(concat!(
            "SELECT ",
            user_columns!(),
            ", u.password_hash FROM users u WHERE lower(u.email) = lower(?1) AND u.deleted = 0"
        ))
        .bind(email)
        .fetch_optional(&self.pool)
        .await
        .map_err(db_error)?;
        let Some(row) = row else { return Ok(None) };
        Ok(Some(Credentials {
            user: user_from_row(&row)?,
            password_hash: get(&row, "password_hash")?,
        }))
    }

    pub(super) async fn list_users_impl(&self, query: &UserQuery) -> StoreResult<(Vec<User>, i64)> {
        const FILTER: &str = "u.deleted = 0 AND u.is_system = 0 AND (?1 IS NULL
            OR instr(lower(u.username), lower(?1)) > 0 OR instr(lower(u.email), lower(?1)) > 0
            OR instr(lower(u.name), lower(?1)) > 0)";
        let search = query.search.as_deref().filter(|s| !s.is_empty());
        let count: i64 =
            sqlx::query_scalar(&format!("SELECT count(*) FROM users u WHERE {FILTER}"))
                .bind(search)
                .fetch_one(&self.pool)
                .await
                .map_err(db_error)?;
        // SQLite reads a negative LIMIT as "no limit".
        let limit = if query.limit > 0 { query.limit } else { -1 };
        let sql = format!(
            "{} WHERE {FILTER} ORDER BY lower(u.username), u.username, u.id LIMIT ?2 OFFSET ?3",
            user_select!()
        );
        let rows = sqlx::query(&sql)
            .bind(search)
            .bind(limit)
            .bind(query.offset.max(0))
            .fetch_all(&self.pool)
            .await
            .map_err(db_error)?;
        let users = rows.iter().map(user_from_row).collect::<StoreResult<Vec<_>>>()?;
        Ok((users, count))
    }

    /// A soft delete: the row stays for the chats (and the spend ledger) that reference it.
    pub(super) async fn delete_user_impl(&self, user: Uuid) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        let now = micros(chrono::Utc::now());
        let done = sqlx::query(
            "UPDATE users SET deleted = 1, updated_at = ?2 WHERE id = ?1 AND deleted = 0",
        )
        .bind(id(user))
        .bind(now)
        .execute(&mut *tx)
        .await
        .map_err(db_error)?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound("user"));
        }
        for table in [
            "chat_usage_limit_overrides",
            "group_members",
            "organization_members",
            "user_roles",
            "api_tokens",
        ] {
            sqlx::query(&format!("DELETE FROM {table} WHERE user_id = ?1"))
                .bind(id(user))
                .execute(&mut *tx)
                .await
                .map_err(db_error)?;
        }
        tx.commit().await.map_err(db_error)
    }

    pub(super) async fn set_user_roles_impl(
        &self,
        user: Uuid,
        roles: &[Role],
        at: Time,
    ) -> StoreResult<User> {
        let mut tx = self.begin().await?;
        require_user(&mut tx, user).await?;
        sqlx::query("DELETE FROM user_roles WHERE user_id = ?1")
            .bind(id(user))
            .execute(&mut *tx)
            .await
            .map_err(db_error)?;
        insert_roles(&mut tx, user, roles).await?;
        sqlx::query("UPDATE users SET updated_at = ?2 WHERE id = ?1")
            .bind(id(user))
            .bind(micros(at))
            .execute(&mut *tx)
            .await
            .map_err(db_error)?;
        let updated = fetch_user(&mut *tx, user).await?.ok_or(StoreError::NotFound("user"))?;
        tx.commit().await.map_err(db_error)?;
        Ok(updated)
    }

    pub(super) async fn touch_user_last_seen_impl(&self, user: Uuid, at: Time) -> StoreResult<()> {
        sqlx::query("UPDATE users SET last_seen_at = ?2 WHERE id = ?1 AND deleted = 0")
            .bind(id(user))
            .bind(micros(at))
            .execute(&self.pool)
            .await
            .map_err(db_error)?;
        Ok(())
    }
}
