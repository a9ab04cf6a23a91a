package workers

import "github.com/narwhalhq/narwhal/config"

// pasteLogging reports whether a --paste ini's [loggers] section configures
// Python logging. gunicorn makes such an ini its logconfig, unless the
// command line or config file set logconfig, and glogging prefers
// logconfig_dict and logconfig_json to logconfig; narwhal applies it to the
// app's logging in the worker (the server's own lines are written by Go).
func pasteLogging(cfg *config.Config) bool {
	return cfg.IsNone("logconfig") && cfg.IsNone("logconfig_json") && len(cfg.Dict("logconfig_dict")) == 0
}
