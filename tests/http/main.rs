//! HTTP integration tests: the real server on port 0 against a test-started
//! redis-server, as the app, stations and the dashboard use it.

mod archives;
mod auth;
mod edge;
mod fair;
mod hardening;
mod jwks;
mod kept;
mod lane;
mod lottery;
mod member;
mod operations;
mod payments;
mod production;
mod programs;
mod register;
mod router;
mod staff;
mod station;
mod verify_draw;
mod waiting;
