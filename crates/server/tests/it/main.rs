//! HTTP tests: the real server on a real port, speaking JSON, on SQLite and PostgreSQL.

#[macro_use]
mod support;

mod admission;
mod alerts;
mod attacks;
mod audit;
mod authz_chats;
mod authz_matrix;
mod bad_input;
mod chats;
mod costs;
mod daemon;
mod documented;
mod dry_run;
mod edge;
mod fake_llm;
mod gateway;
mod gateway_attack;
mod gateway_keys;
mod gateway_tools;
mod gateway_upstream;
mod identity;
mod limits;
mod openapi;
mod paging;
mod providers;
mod provisioner;
mod roles;
mod secrets;
mod spend_headers;
mod stream;
mod web;
mod windows;
mod workspace_agents;
mod workspaces;
