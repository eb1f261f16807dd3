package host

import (
	"encoding/json"
	"os"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
)

// testFacts are fixed process facts, so fixture results do not depend on the
// machine running the tests. Empty uname fields and cpusAllowed make probe
// read them from the fixture tree.
func testFacts() facts {
	return facts{
		arch: "amd64", goos: "linux", goVersion: "go1.26.8",
		build: &debug.BuildInfo{
			Main: debug.Module{Path: "zbench", Version: "(devel)"},
			Settings: []debug.BuildSetting{
				{Key: "vcs.revision", Value: "8dc2e99c0ffee"},
				{Key: "vcs.modified", Value: "false"},
			},
		},
	}
}

// field is one string field of a probed Env, by name.
type field struct{ name, got, want string }

// checkFields reports each field that does not hold what is wanted.
func checkFields(t *testing.T, fs []field) {
	t.Helper()
	for _, f := range fs {
		if f.got != f.want {
			t.Errorf("%s = %q, want %q", f.name, f.got, f.want)
		}
	}
}

// checkCounts checks the CPU counts and the memory size of a probed Env.
func checkCounts(t *testing.T, e Env, online, allowed int, mem uint64) {
	t.Helper()
	if e.CPUsOnline != online || e.CPUsAllowed != allowed {
		t.Errorf("CPUsOnline, CPUsAllowed = %d, %d; want %d, %d", e.CPUsOnline, e.CPUsAllowed, online, allowed)
	}
	if e.MemTotalBytes != mem {
		t.Errorf("MemTotalBytes = %d, want %d", e.MemTotalBytes, mem)
	}
}

// checkWarnings checks a probed Env's warnings, in order.
func checkWarnings(t *testing.T, e Env, want ...string) {
	t.Helper()
	if !slices.Equal(e.Warnings, want) {
		t.Errorf("Warnings = %q, want %q", e.Warnings, want)
	}
}

// TestProbeEPYCKVM probes a tree copied from a Firecracker (KVM) VM on an
// AMD EPYC host: no DMI, no cpufreq, kvm-clock, hypervisor flag.
func TestProbeEPYCKVM(t *testing.T) {
	e := probe(os.DirFS("testdata/epyc-kvm"), testFacts())

	checkFields(t, []field{
		{"Hostname", e.Hostname, "vm"},
		{"Kernel", e.Kernel, "6.18.44-fc-v769"},
		{"KernelVersion", e.KernelVersion, "#1 SMP PREEMPT_DYNAMIC @0"},
		{"Arch", e.Arch, "amd64"},
		{"OS", e.OS, "linux"},
		{"Distro", e.Distro, "Debian GNU/Linux 12 (bookworm)"},
		{"CPUModel", e.CPUModel, "AMD EPYC"},
		{"SMT", e.SMT, "notsupported"},
		{"Governor", e.Governor, ""},
		{"FreqDriver", e.FreqDriver, ""},
		{"MitigationsCmdline", e.MitigationsCmdline, "auto,no_guest_host,no_guest_guest"},
		{"Clocksource", e.Clocksource, "kvm-clock"},
		{"ClocksourcesAvailable", e.ClocksourcesAvailable, "kvm-clock"},
		{"Virtualization", e.Virtualization, "kvm"},
		{"IA32Emulation", e.IA32Emulation, "yes"},
		{"IOUringDisabled", e.IOUringDisabled, "0"},
		{"TCPCongestion", e.TCPCongestion, "bbr"},
		{"Go", e.Go, "go1.26.8"},
		{"Version", e.Version, "(devel)"},
		{"Commit", e.Commit, "8dc2e99c0ffee"},
	})
	checkCounts(t, e, 2, 2, 24683620*1024)
	if e.Modified {
		t.Error("Modified = true")
	}
	if !strings.HasPrefix(e.Cmdline, "mitigations=auto") || strings.HasSuffix(e.Cmdline, "\n") {
		t.Errorf("Cmdline = %q", e.Cmdline)
	}
	if len(e.Mitigations) != 19 {
		t.Errorf("len(Mitigations) = %d, want 19", len(e.Mitigations))
	}
	for name, want := range map[string]string{
		"spectre_v2": "Mitigation: Retpolines; STIBP: disabled; RSB filling; PBRSB-eIBRS: Not affected; BHI: Not affected",
		"meltdown":   "Mitigation: PTI",
		"mds":        "Not affected",
	} {
		if got := e.Mitigations[name]; got != want {
			t.Errorf("Mitigations[%s] = %q, want %q", name, got, want)
		}
	}
	wantHints := []string{
		"cpuinfo flag: hypervisor",
		"no dmi tables (typical of microVMs such as Firecracker)",
		"clocksource: kvm-clock",
	}
	if !slices.Equal(e.VirtHints, wantHints) {
		t.Errorf("VirtHints = %q, want %q", e.VirtHints, wantHints)
	}
	checkWarnings(t, e,
		"clocksource is not tsc (kvm-clock): time reads may be slower",
		"running under a hypervisor (kvm): vCPUs may be preempted by the host",
	)
}

// TestProbeXeonBaremetal probes a hand-written tree for a Dell server: no
// hypervisor, powersave governor, tsc, restricted affinity, mitigations=off,
// ia32_emulation=0 on the command line.
func TestProbeXeonBaremetal(t *testing.T) {
	f := testFacts()
	f.build.Settings[1].Value = "true" // vcs.modified
	e := probe(os.DirFS("testdata/xeon-baremetal"), f)

	checkFields(t, []field{
		{"Hostname", e.Hostname, "bench01"},
		{"Kernel", e.Kernel, "6.8.0-45-generic"},
		{"Distro", e.Distro, "Ubuntu 24.04.1 LTS"},
		{"CPUModel", e.CPUModel, "Intel(R) Xeon(R) Gold 6338 CPU @ 2.00GHz"},
		{"SMT", e.SMT, "on"},
		{"Governor", e.Governor, "powersave"},
		{"FreqDriver", e.FreqDriver, "intel_pstate"},
		{"MitigationsCmdline", e.MitigationsCmdline, "off"},
		{"Clocksource", e.Clocksource, "tsc"},
		{"ClocksourcesAvailable", e.ClocksourcesAvailable, "tsc hpet acpi_pm"},
		{"Virtualization", e.Virtualization, "none"},
		{"IA32Emulation", e.IA32Emulation, "no"}, // symbol present, but ia32_emulation=0
		{"IOUringDisabled", e.IOUringDisabled, ""},
		{"TCPCongestion", e.TCPCongestion, ""},
		{"Mitigations[spectre_v1]", e.Mitigations["spectre_v1"], "Vulnerable"},
	})
	checkCounts(t, e, 8, 4, 263746876*1024)
	if len(e.VirtHints) != 0 {
		t.Errorf("VirtHints = %q, want none", e.VirtHints)
	}
	if !e.Modified {
		t.Error("Modified = false")
	}
	checkWarnings(t, e,
		"frequency governor is powersave on cpu0: results vary with load",
		"affinity mask allows 4 of 8 online CPUs: other work may share them",
		"CPU vulnerability mitigations are off (mitigations=off): kernel entry costs are not comparable with mitigated kernels",
		"zbench was built from a modified tree: the commit does not identify the code",
	)
}

// TestProbeFactsWin checks that uname and affinity from system calls take
// precedence over the tree, and that an empty tree leaves fields empty.
func TestProbeFactsWin(t *testing.T) {
	f := testFacts()
	f.hostname, f.release, f.version, f.cpusAllowed = "h", "r", "v", 3
	f.arch = "arm64"
	e := probe(os.DirFS("testdata/epyc-kvm"), f)
	if e.Hostname != "h" || e.Kernel != "r" || e.KernelVersion != "v" || e.CPUsAllowed != 3 {
		t.Errorf("facts not used: %q %q %q %d", e.Hostname, e.Kernel, e.KernelVersion, e.CPUsAllowed)
	}
	if e.IA32Emulation != "" {
		t.Errorf("IA32Emulation on arm64 = %q, want empty", e.IA32Emulation)
	}

	e = probe(fstest.MapFS{}, facts{})
	if e.Kernel != "" || e.CPUsOnline != 0 || e.Mitigations != nil || e.Virtualization != "none" ||
		e.Governor != "" || e.Warnings != nil || e.Version != "" {
		t.Errorf("empty tree gave %+v", e)
	}
}

// TestProbe runs on the real machine and asserts only what holds on any Linux.
func TestProbe(t *testing.T) {
	e := Probe()
	if e.Kernel == "" {
		t.Error("Kernel is empty")
	}
	if e.CPUsOnline < 1 {
		t.Errorf("CPUsOnline = %d", e.CPUsOnline)
	}
	if e.CPUsAllowed < 1 {
		t.Errorf("CPUsAllowed = %d", e.CPUsAllowed)
	}
	if e.Go != runtime.Version() {
		t.Errorf("Go = %q, want %q", e.Go, runtime.Version())
	}
	if e.Arch != runtime.GOARCH || e.OS != runtime.GOOS {
		t.Errorf("Arch, OS = %q, %q", e.Arch, e.OS)
	}
	if e.Virtualization == "" {
		t.Error("Virtualization is empty")
	}
	if _, err := json.Marshal(e); err != nil {
		t.Errorf("json.Marshal: %v", err)
	}
}

func BenchmarkProbe(b *testing.B) {
	for b.Loop() {
		Probe()
	}
}

func TestGuessVirtualization(t *testing.T) {
	tests := []struct {
		name string
		ev   virtEvidence
		want string
	}{
		{"qemu+kvm", virtEvidence{HypervisorFlag: true, SysVendor: "QEMU", ProductName: "Standard PC (Q35 + ICH9, 2009)", Clocksource: "kvm-clock"}, "kvm"},
		{"qemu tcg", virtEvidence{HypervisorFlag: true, SysVendor: "QEMU", ProductName: "Standard PC (i440FX + PIIX, 1996)", Clocksource: "tsc"}, "qemu"},
		{"qemu kvm-clock available", virtEvidence{HypervisorFlag: true, SysVendor: "QEMU", ProductName: "Standard PC (i440FX + PIIX, 1996)", Clocksource: "tsc", ClocksourcesAvailable: "tsc kvm-clock acpi_pm"}, "kvm"},
		{"vmware", virtEvidence{HypervisorFlag: true, SysVendor: "VMware, Inc.", ProductName: "VMware Virtual Platform", Clocksource: "tsc"}, "vmware"},
		{"hyperv", virtEvidence{HypervisorFlag: true, SysVendor: "Microsoft Corporation", ProductName: "Virtual Machine", Clocksource: "hyperv_clocksource_tsc_page"}, "hyperv"},
		{"surface is not hyperv", virtEvidence{SysVendor: "Microsoft Corporation", ProductName: "Surface Pro 9", Clocksource: "tsc"}, "none"},
		{"hyperv by clocksource", virtEvidence{HypervisorFlag: true, Clocksource: "hyperv_clocksource_msr"}, "hyperv"},
		{"xen dmi", virtEvidence{HypervisorFlag: true, SysVendor: "Xen", ProductName: "HVM domU", Clocksource: "xen"}, "xen"},
		{"xen pv", virtEvidence{HypervisorType: "xen\n", Clocksource: "xen"}, "xen"},
		{"xen clocksource", virtEvidence{HypervisorFlag: true, Clocksource: "xen"}, "xen"},
		{"firecracker", virtEvidence{HypervisorFlag: true, Clocksource: "kvm-clock", ClocksourcesAvailable: "kvm-clock"}, "kvm"},
		{"gce", virtEvidence{HypervisorFlag: true, SysVendor: "Google", ProductName: "Google Compute Engine", Clocksource: "kvm-clock"}, "kvm"},
		{"virtualbox", virtEvidence{HypervisorFlag: true, SysVendor: "innotek GmbH", ProductName: "VirtualBox"}, "virtualbox"},
		{"flag only", virtEvidence{HypervisorFlag: true, SysVendor: "ACME", ProductName: "Box", Clocksource: "tsc"}, "unknown hypervisor"},
		{"bare metal", virtEvidence{SysVendor: "Dell Inc.", ProductName: "PowerEdge R650", Clocksource: "tsc", ClocksourcesAvailable: "tsc hpet acpi_pm"}, "none"},
		{"nothing", virtEvidence{}, "none"},
	}
	for _, tt := range tests {
		got, hints := guessVirtualization(tt.ev)
		if got != tt.want {
			t.Errorf("%s: guessVirtualization = %q (hints %q), want %q", tt.name, got, hints, tt.want)
		}
		if (got == "none") != (len(hints) == 0) {
			t.Errorf("%s: verdict %q with hints %q", tt.name, got, hints)
		}
	}
}

func TestSummary(t *testing.T) {
	e := probe(os.DirFS("testdata/epyc-kvm"), testFacts())
	rows := e.Summary()
	get := func(key string) string {
		for _, r := range rows {
			if r.Key == key {
				return r.Value
			}
		}
		t.Errorf("Summary has no row %q", key)
		return ""
	}
	if rows[0].Key != "hostname" {
		t.Errorf("first row %q, want hostname", rows[0].Key)
	}
	for key, want := range map[string]string{
		"kernel":                  "6.18.44-fc-v769",
		"cpu model":               "AMD EPYC",
		"cpus online":             "2",
		"governor":                "n/a (no cpufreq)",
		"freq driver":             "n/a",
		"memory":                  "23.5 GiB",
		"virtualization":          "kvm",
		"ia32 emulation (config)": "yes",
		"zbench commit":           "8dc2e99c0ffee",
		"mitigation: spectre_v2":  e.Mitigations["spectre_v2"],
	} {
		if got := get(key); got != want {
			t.Errorf("Summary[%q] = %q, want %q", key, got, want)
		}
	}
	// Mitigation rows come last, sorted by name.
	var mit []string
	for _, r := range rows {
		if name, ok := strings.CutPrefix(r.Key, "mitigation: "); ok {
			mit = append(mit, name)
		} else if len(mit) > 0 {
			t.Errorf("row %q after the mitigation rows", r.Key)
		}
	}
	if len(mit) != len(e.Mitigations) || !slices.IsSorted(mit) {
		t.Errorf("mitigation rows %q", mit)
	}

	got := (Env{Modified: true, Commit: "abc"}).Summary()
	if last := got[len(got)-1]; last != (KV{"zbench commit", "abc (modified)"}) {
		t.Errorf("last row of an Env without mitigations = %q", last)
	}
}

func TestCommitFromSource(t *testing.T) {
	unstamped := facts{sourceCommit: func() (string, bool, bool) { return "0123abc", true, true }}
	e := probe(os.DirFS(t.TempDir()), unstamped)
	if e.Commit != "0123abc" || !e.Modified || e.CommitFrom != "source" {
		t.Errorf("unstamped build: commit %q modified %v from %q; want the source tree's", e.Commit, e.Modified, e.CommitFrom)
	}
	none := facts{sourceCommit: func() (string, bool, bool) { return "", false, false }}
	if e := probe(os.DirFS(t.TempDir()), none); e.Commit != "" || e.CommitFrom != "" {
		t.Errorf("no source tree: commit %q from %q; want none", e.Commit, e.CommitFrom)
	}
}

func TestIsGoRunBuild(t *testing.T) {
	for exe, want := range map[string]bool{
		"/tmp/go-build1234567/b001/exe/zbench":                 true,
		"/root/.cache/go-build/tmp/go-build99/b001/exe/zbench": true,
		"/root/.cache/go-build/32/325c5696cc55-d/zbench":       true,
		"/root/.cache/go-build/32/325c5696cc55":                false,
		"/usr/local/bin/zbench":                                false,
		"/tmp/zb":                                              false,
		"/work/main/zbench":                                    false,
	} {
		if got := isGoRunBuild(exe); got != want {
			t.Errorf("isGoRunBuild(%q) = %v, want %v", exe, got, want)
		}
	}
}
