"""TestConfigFileCheckConfig: a hook that is not callable."""
post_fork = 3
