"""The demo city: fictional, deterministic data marked as demo so it can be purged."""
