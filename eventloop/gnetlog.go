package eventloop

// gnetLogger routes gnet's own warnings and errors to Config.ErrorLog and
// drops its informational chatter, so worker logs stay in gunicorn's format.
type gnetLogger struct {
	log func(format string, args ...any)
}

func (l gnetLogger) Debugf(string, ...any) {}
func (l gnetLogger) Infof(string, ...any)  {}
func (l gnetLogger) Warnf(format string, args ...any) {
	l.log("gnet: "+format, args...)
}
func (l gnetLogger) Errorf(format string, args ...any) {
	l.log("gnet: "+format, args...)
}
func (l gnetLogger) Fatalf(format string, args ...any) {
	l.log("gnet: "+format, args...)
}
