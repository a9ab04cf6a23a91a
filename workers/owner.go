package workers

import (
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"github.com/narwhalhq/narwhal/config"
	"github.com/narwhalhq/narwhal/workers/accesslog"
)

// switchesOwner reports whether workers run as another user or group.
func switchesOwner(cfg *config.Config) bool {
	return cfg.Int("user") != os.Geteuid() || cfg.Int("group") != os.Getegid()
}

// checkConfig refuses, at start and on HUP alike, settings with which no
// worker could boot: a reload with them would start a generation that only
// fails.
func checkConfig(cfg *config.Config) error {
	if err := checkOwner(cfg); err != nil {
		return err
	}
	if err := checkWorkerTmpDir(cfg); err != nil {
		return err
	}
	_, err := accesslog.Compile(cfg.String("access_log_format"))
	return err
}

// checkOwner refuses --user/--group that this master cannot switch to,
// before any worker tries (gunicorn's workers would fail to boot).
func checkOwner(cfg *config.Config) error {
	if switchesOwner(cfg) && os.Geteuid() != 0 {
		return fmt.Errorf("user/group: workers cannot run as uid %d gid %d: narwhal runs as uid %d, and only root may switch",
			cfg.Int("user"), cfg.Int("group"), os.Geteuid())
	}
	return nil
}

// credential is the uid, gid and groups a worker is executed with (nil:
// unchanged). Supplementary groups are the user's with --initgroups, else
// none: a worker never keeps root's groups.
func credential(cfg *config.Config) (*syscall.Credential, error) {
	if !switchesOwner(cfg) {
		return nil, nil
	}
	uid, gid := cfg.Int("user"), cfg.Int("group")
	c := &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid), Groups: []uint32{}}
	if cfg.Bool("initgroups") {
		u, err := user.LookupId(strconv.Itoa(uid))
		if err != nil {
			return nil, fmt.Errorf("initgroups: %w", err)
		}
		ids, err := u.GroupIds()
		if err != nil {
			return nil, fmt.Errorf("initgroups: %w", err)
		}
		for _, s := range ids {
			if g, err := strconv.Atoi(s); err == nil {
				c.Groups = append(c.Groups, uint32(g))
			}
		}
	}
	return c, nil
}

// chownLog gives the error log file to the workers' user, as gunicorn does,
// so they can reopen it on USR1.
func chownLog(log *Logger, cfg *config.Config) error {
	if log.Path() == "" || !switchesOwner(cfg) {
		return nil
	}
	if err := os.Chown(log.Path(), cfg.Int("user"), cfg.Int("group")); err != nil {
		return fmt.Errorf("errorlog: %w", err)
	}
	return nil
}

// checkWorkerTmpDir keeps gunicorn's check: worker_tmp_dir must exist.
// narwhal's heartbeat is shared memory, so nothing is written there.
func checkWorkerTmpDir(cfg *config.Config) error {
	if cfg.IsNone("worker_tmp_dir") {
		return nil
	}
	dir := cfg.String("worker_tmp_dir")
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return fmt.Errorf("worker_tmp_dir: %s doesn't exist. Can't create workertmp.", dir)
	}
	return nil
}

// startedBinary resolves the path narwhal was started as, so USR2 runs
// whatever binary is installed there now (gunicorn re-executes its own
// argv[0] to upgrade).
func startedBinary(argv0, cwd string) (string, error) {
	if strings.Contains(argv0, "/") {
		if !filepath.IsAbs(argv0) {
			argv0 = filepath.Join(cwd, argv0)
		}
		return argv0, nil
	}
	p, err := exec.LookPath(argv0)
	if err != nil {
		return os.Executable()
	}
	return filepath.Abs(p)
}
