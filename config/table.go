package config

import "sort"

// table is every setting in gunicorn 23.0's definition order (the order of
// KNOWN_SETTINGS in gunicorn/config.py, which is also argparse's option
// order, visible in --help and in "ambiguous option" errors), followed by
// narwhal's own settings.
var table = []*Setting{
	sConfig, sWSGIApp, sBind, sBacklog,
	sWorkers, sWorkerClass, sThreads, sWorkerConnections, sMaxRequests,
	sMaxRequestsJitter, sTimeout, sGracefulTimeout, sKeepalive,
	sLimitRequestLine, sLimitRequestFields, sLimitRequestFieldSize,
	sReload, sReloadEngine, sReloadExtraFiles, sSpew, sCheckConfig, sPrintConfig,
	sPreloadApp, sSendfile, sReusePort, sChdir, sDaemon, sRawEnv, sPidfile,
	sWorkerTmpDir, sUser, sGroup, sUmask, sInitgroups, sTmpUploadDir,
	sSecureSchemeHeaders, sForwardedAllowIPs,
	sAccesslog, sDisableRedirectAccessToSyslog, sAccessLogFormat, sErrorlog,
	sLoglevel, sCaptureOutput, sLoggerClass, sLogconfig, sLogconfigDict,
	sLogconfigJSON, sSyslogAddr, sSyslog, sSyslogPrefix, sSyslogFacility,
	sEnableStdioInheritance, sStatsdHost, sDogstatsdTags, sStatsdPrefix,
	sProcName, sDefaultProcName, sPythonpath, sPaste,
	sOnStarting, sOnReload, sWhenReady, sPreFork, sPostFork, sPostWorkerInit,
	sWorkerInt, sWorkerAbort, sPreExec, sPreRequest, sPostRequest, sChildExit,
	sWorkerExit, sNworkersChanged, sOnExit, sSSLContext,
	sProxyProtocol, sProxyAllowIPs,
	sKeyfile, sCertfile, sSSLVersion, sCertReqs, sCACerts, sSuppressRaggedEOFs,
	sDoHandshakeOnConnect, sCiphers,
	sRawPasteGlobalConf, sPermitObsoleteFolding, sStripHeaderSpaces,
	sPermitUnconventionalHTTPMethod, sPermitUnconventionalHTTPVersion,
	sCasefoldHTTPMethod, sForwarderHeaders, sHeaderMap,

	sMetricsBind, sRequestTimeout, sMaxWorkerMemory, sAccessLogJSON,
}

var byName = func() map[string]*Setting {
	m := make(map[string]*Setting, len(table))
	for _, s := range table {
		if m[s.Name] != nil {
			panic("config: duplicate setting " + s.Name)
		}
		m[s.Name] = s
	}
	return m
}()

// Settings returns every setting, gunicorn's in gunicorn's definition order,
// then narwhal's. The settings are shared: do not modify them.
func Settings() []*Setting { return append([]*Setting(nil), table...) }

// Lookup returns the setting called name, or nil.
func Lookup(name string) *Setting { return byName[name] }

// Sections returns the section names in documentation order: gunicorn's
// sections alphabetically (as gunicorn's settings.rst), then "narwhal".
func Sections() []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range table {
		if !seen[s.Section] && s.Section != "narwhal" {
			seen[s.Section] = true
			out = append(out, s.Section)
		}
	}
	sort.Strings(out)
	return append(out, "narwhal")
}
