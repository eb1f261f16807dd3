package history

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
	"zbench/internal/realparts"
)

// pgBin finds the PostgreSQL server binaries: $ZBENCH_PG_BIN, the newest
// /usr/lib/postgresql/*/bin (Debian's layout), or initdb on $PATH.
func pgBin() string {
	if d := os.Getenv("ZBENCH_PG_BIN"); d != "" {
		return d
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool {
		vi, _ := strconv.Atoi(filepath.Base(filepath.Dir(dirs[i])))
		vj, _ := strconv.Atoi(filepath.Base(filepath.Dir(dirs[j])))
		return vi > vj
	})
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "pg_ctl")); err == nil {
			return d
		}
	}
	if p, err := exec.LookPath("initdb"); err == nil {
		return filepath.Dir(p)
	}
	return ""
}

// pgServer is a PostgreSQL server of the test's own: a data directory in a
// temporary directory, listening on a Unix socket there and on no TCP port.
type pgServer struct {
	bin, dir string
	cred     *syscall.Credential // the unprivileged user it runs as, when the test is root
	dbs      atomic.Int32
}

// startPostgres starts a server and registers its stop and removal. It skips
// the test, saying why, only where the binaries are absent.
func startPostgres(t *testing.T) *pgServer {
	t.Helper()
	bin := pgBin()
	if bin == "" {
		realparts.Absent(t, "PostgreSQL server binaries (initdb, pg_ctl) not found: install the postgresql package, or set ZBENCH_PG_BIN")
	}
	for _, b := range []string{"initdb", "pg_ctl", "postgres"} {
		if _, err := os.Stat(filepath.Join(bin, b)); err != nil {
			realparts.Absent(t, fmt.Sprintf("PostgreSQL server binary %s not found in %s", b, bin))
		}
	}
	// A short path: a Unix socket's path has at most 107 bytes.
	dir, err := os.MkdirTemp("", "zbpg-")
	if err != nil {
		t.Fatal(err)
	}
	srv := &pgServer{bin: bin, dir: dir}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if os.Geteuid() == 0 {
		// postgres refuses to run as root: run it as nobody, who owns the
		// directory.
		u, err := user.Lookup("nobody")
		if err != nil {
			t.Fatalf("running as root, and no unprivileged user to run postgres as: %v", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		srv.cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
		if err := os.Chown(dir, uid, gid); err != nil {
			t.Fatal(err)
		}
	}
	data := filepath.Join(dir, "data")
	if out, err := srv.run("initdb", "-D", data, "-U", "zbench", "-A", "trust", "-E", "UTF8", "--no-sync"); err != nil {
		t.Fatalf("initdb: %v\n%s", err, out)
	}
	opts := fmt.Sprintf("-k %s -c listen_addresses='' -c fsync=off -c max_connections=40", dir)
	if out, err := srv.run("pg_ctl", "-D", data, "-l", filepath.Join(dir, "log"), "-o", opts, "-w", "-t", "60", "start"); err != nil {
		log, _ := os.ReadFile(filepath.Join(dir, "log"))
		t.Fatalf("pg_ctl start: %v\n%s\n%s", err, out, log)
	}
	t.Cleanup(func() {
		if out, err := srv.run("pg_ctl", "-D", data, "-m", "immediate", "-w", "stop"); err != nil {
			t.Errorf("pg_ctl stop: %v\n%s", err, out)
		}
	})
	return srv
}

func (srv *pgServer) run(name string, args ...string) ([]byte, error) {
	cmd := exec.Command(filepath.Join(srv.bin, name), args...)
	cmd.Dir = srv.dir
	cmd.Env = append(os.Environ(), "LC_ALL=C", "LANG=C", "TZ=UTC")
	if srv.cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: srv.cred}
		cmd.Env = append(cmd.Env, "HOME="+srv.dir)
	}
	return cmd.CombinedOutput()
}

// url is the connection URL of database db over the server's socket.
func (srv *pgServer) url(db string) string {
	return "postgres://zbench@/" + db + "?host=" + url.QueryEscape(srv.dir) + "&sslmode=disable"
}

// newDB creates a fresh database and returns its URL.
func (srv *pgServer) newDB(t *testing.T) string {
	t.Helper()
	name := fmt.Sprintf("t%d", srv.dbs.Add(1))
	db, err := sql.Open("pgx", srv.url("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`CREATE DATABASE ` + name); err != nil {
		t.Fatal(err)
	}
	return srv.url(name)
}

func TestPostgres(t *testing.T) {
	srv := startPostgres(t)
	storeSuite(t, srv.newDB)

	t.Run("not listening on TCP", func(t *testing.T) {
		db, err := sql.Open("pgx", srv.url("postgres"))
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		var addrs string
		if err := db.QueryRow(`SHOW listen_addresses`).Scan(&addrs); err != nil {
			t.Fatal(err)
		}
		if addrs != "" {
			t.Errorf("listen_addresses = %q, want none", addrs)
		}
	})

	t.Run("unreachable", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		bad := "postgres://zbench:secret@/x?host=" + url.QueryEscape(filepath.Join(srv.dir, "nowhere")) + "&sslmode=disable"
		_, err := Open(ctx, bad)
		if err == nil {
			t.Fatal("Open of a socket directory with no server: no error")
		}
		if strings.Contains(err.Error(), "secret") {
			t.Errorf("the error shows the password: %v", err)
		}
	})
}
