//! The systemd and Quadlet install plan (`DEPLOY.md`).
