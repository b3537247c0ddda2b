package main

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/miekg/dns"

	"github.com/go-blockstack/go-blockstack/internal/waitfor"
)

// nsdConf runs NSD in the foreground on loopback with no chroot, user
// switch or database file, one zone. Response rate limiting is off: on,
// it drops most of a benchmark's queries. %s: address, directory, server
// processes, zone file.
const nsdConf = `server:
	ip-address: %s
	do-ip6: no
	username: ""
	chroot: ""
	database: ""
	zonesdir: "%[2]s"
	zonelistfile: "%[2]s/zone.list"
	xfrdfile: "%[2]s/xfrd.state"
	xfrdir: "%[2]s"
	pidfile: "%[2]s/nsd.pid"
	logfile: "%[2]s/nsd.log"
	server-count: %[3]d
	rrl-ratelimit: 0
	verbosity: 0
remote-control:
	control-enable: no
zone:
	name: ` + namespace + `.
	zonefile: "%[4]s"
`

// nsdServer is a running NSD.
type nsdServer struct {
	cmd     *exec.Cmd
	exited  chan struct{}
	version string
	loaded  time.Duration // from start to the first answer
}

// writeZone writes the names' records as one static zone: the namespace's
// SOA and NS, then each name's A record, as bnsdns serves them.
func writeZone(path string, names int) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	fmt.Fprintf(w, "$ORIGIN %s.\n$TTL 3600\n@ 60 IN SOA localhost. hostmaster.%s. 1 3600 600 86400 60\n@ IN NS localhost.\n", namespace, namespace)
	for i := range names {
		fmt.Fprintf(w, "%s. IN A %s\n", nameOf(i), addrOf(i))
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// startNSD runs bin serving the names at addr from a zone file in dir with
// servers server processes, and waits until it answers (loading a million
// records takes a while).
func startNSD(bin, addr, dir string, names, servers int) (*nsdServer, error) {
	zone := filepath.Join(dir, namespace+".zone")
	if err := writeZone(zone, names); err != nil {
		return nil, err
	}
	host, port, _ := strings.Cut(addr, ":")
	conf := filepath.Join(dir, "nsd.conf")
	if err := os.WriteFile(conf, fmt.Appendf(nil, nsdConf, host+"@"+port, dir, servers, zone), 0o600); err != nil {
		return nil, err
	}
	out, _ := exec.Command(bin, "-v").CombinedOutput()
	n := &nsdServer{version: strings.TrimSpace(strings.SplitN(string(out), "\n", 2)[0]), exited: make(chan struct{})}
	n.cmd = exec.Command(bin, "-d", "-c", conf)
	n.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	log, err := os.Create(filepath.Join(dir, "nsd.out"))
	if err != nil {
		return nil, err
	}
	defer log.Close()
	n.cmd.Stdout, n.cmd.Stderr = log, log
	start := time.Now()
	if err := n.cmd.Start(); err != nil {
		return nil, err
	}
	go func() { // reaps NSD; stop waits for it
		_ = n.cmd.Wait()
		close(n.exited)
	}()
	q := new(dns.Msg).SetQuestion(nameOf(names-1)+".", dns.TypeA)
	c := &dns.Client{Timeout: 200 * time.Millisecond}
	answered := false
	waitfor.Poll(10*time.Minute, func() bool {
		select {
		case <-n.exited:
			return true
		default:
		}
		r, _, err := c.Exchange(q, addr)
		answered = err == nil && r.Rcode == dns.RcodeSuccess && len(r.Answer) == 1
		return answered
	})
	if !answered {
		n.stop()
		said, _ := os.ReadFile(filepath.Join(dir, "nsd.out"))
		logged, _ := os.ReadFile(filepath.Join(dir, "nsd.log"))
		return nil, fmt.Errorf("nsd did not answer (within 10 minutes, or it exited): %s%s", said, logged)
	}
	n.loaded = time.Since(start)
	return n, nil
}

// stop ends NSD's process group and waits for it.
func (n *nsdServer) stop() {
	_ = syscall.Kill(-n.cmd.Process.Pid, syscall.SIGTERM)
	select {
	case <-n.exited:
	case <-time.After(10 * time.Second):
		_ = syscall.Kill(-n.cmd.Process.Pid, syscall.SIGKILL)
		<-n.exited
	}
}

// pss is the proportional set size of process pid and its descendants:
// NSD's main process, its transfer daemon and its servers share the
// zone's pages, which PSS counts once across them.
func pss(pid int) (int64, error) {
	var total int64
	pids := []int{pid}
	for len(pids) > 0 {
		pid := pids[0]
		pids = pids[1:]
		p, err := procField(fmt.Sprintf("/proc/%d/smaps_rollup", pid), "Pss:")
		if err != nil {
			return 0, err
		}
		total += p
		kids, _ := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/children", pid, pid))
		for _, f := range strings.Fields(string(kids)) {
			if k, err := strconv.Atoi(f); err == nil {
				pids = append(pids, k)
			}
		}
	}
	return total, nil
}

// procField reads a "Key: N kB" line of a /proc file, in bytes.
func procField(path, key string) (int64, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	for line := range strings.Lines(string(data)) {
		if rest, ok := strings.CutPrefix(line, key); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb << 10, err
		}
	}
	return 0, fmt.Errorf("%s: no %s", path, key)
}
