"""The client policy: rules loaded from TOML and evaluated into findings."""
