// Package host probes the environment a benchmark run executes in: kernel,
// CPU model and counts, frequency governor, clocksource, CPU vulnerability
// mitigations, virtualization, build identity and the like.
//
// Stage in the pipeline: the command calls Probe once per run, before any
// benchmark starts, and stores the resulting Env in the run record
// (results.Run.Host). Numbers from two runs are only comparable when their
// Env values agree on the things that matter; Env.Warnings names the
// conditions that make numbers less trustworthy on their own.
//
// All parsing is done by pure functions over bytes and strings; Probe only
// gathers files (through an fs.FS rooted at "/") and a few system calls, so
// tests can point the whole probe at a fixture tree under testdata/.
package host

import (
	"io/fs"
	"os"
	"runtime"
	"runtime/debug"
)

// Env describes the host a run executed on. Empty fields mean "could not be
// determined"; the table layer renders them as "n/a".
type Env struct {
	Hostname      string `json:"hostname"`
	Kernel        string `json:"kernel"`                   // uname release, e.g. "6.18.44-fc-v769"
	KernelVersion string `json:"kernel_version,omitempty"` // uname version, e.g. "#1 SMP PREEMPT_DYNAMIC ..."
	Arch          string `json:"arch"`                     // runtime.GOARCH
	OS            string `json:"os"`                       // runtime.GOOS
	Distro        string `json:"distro,omitempty"`         // PRETTY_NAME from /etc/os-release

	CPUModel    string `json:"cpu_model"`     // "model name" of the first CPU in /proc/cpuinfo
	CPUsOnline  int    `json:"cpus_online"`   // from /sys/devices/system/cpu/online
	CPUsAllowed int    `json:"cpus_allowed"`  // affinity mask of this process
	SMT         string `json:"smt,omitempty"` // /sys/devices/system/cpu/smt/control: on, off, forceoff, notsupported, ...

	Governor   string `json:"governor"`              // cpu0 scaling_governor; "" without cpufreq
	FreqDriver string `json:"freq_driver,omitempty"` // cpu0 scaling_driver

	// Mitigations maps each file of /sys/devices/system/cpu/vulnerabilities/
	// to its trimmed content; nil when the directory could not be read.
	Mitigations        map[string]string `json:"mitigations"`
	MitigationsCmdline string            `json:"mitigations_cmdline,omitempty"` // mitigations= on the kernel command line

	Clocksource           string `json:"clocksource"`
	ClocksourcesAvailable string `json:"clocksources_available,omitempty"`

	// Virtualization is a best guess: "none", "kvm", "qemu", "vmware", "xen",
	// "hyperv", "virtualbox", "parallels", or "unknown hypervisor".
	Virtualization string   `json:"virtualization"`
	VirtHints      []string `json:"virt_hints,omitempty"` // the evidence behind Virtualization

	// IA32Emulation is what the kernel build and boot configuration say
	// ("yes", "no", "" when undeterminable). A kernel may still refuse int
	// $0x80 at run time; lat/syscall/int80 tries the instruction itself.
	IA32Emulation   string `json:"ia32_emulation,omitempty"`
	IOUringDisabled string `json:"io_uring_disabled,omitempty"` // /proc/sys/kernel/io_uring_disabled: "0", "1", "2"
	// TCPCongestion is the host's default congestion control
	// (net.ipv4.tcp_congestion_control), which every TCP stream runs with:
	// a pacing one (bbr) puts its timers in the sender's figures.
	TCPCongestion string `json:"tcp_congestion_control,omitempty"`

	Go       string `json:"go"`                        // runtime.Version()
	Version  string `json:"zbench_version"`            // main module version; "(devel)" for go run
	Commit   string `json:"zbench_commit,omitempty"`   // vcs.revision
	Modified bool   `json:"zbench_modified,omitempty"` // vcs.modified
	// CommitFrom says where Commit came from: "build" (the binary's VCS
	// stamp) or "source" (git, asked at run time about the source tree the
	// binary was compiled from, because `go run` does not stamp builds).
	CommitFrom string `json:"zbench_commit_from,omitempty"`

	Cmdline       string `json:"cmdline,omitempty"` // /proc/cmdline, trimmed
	MemTotalBytes uint64 `json:"mem_total_bytes,omitempty"`

	// Warnings are short factual sentences about conditions that make the
	// numbers less trustworthy (frequency scaling, slow clocksource,
	// hypervisor, restricted affinity, ...).
	Warnings []string `json:"warnings,omitempty"`
}

// facts are what Probe learns from system calls and the runtime rather than
// from files. Tests fill them by hand; empty values make probe fall back to
// files in the tree (proc/sys/kernel/*, proc/self/status).
type facts struct {
	arch, goos, goVersion      string
	hostname, release, version string // uname
	cpusAllowed                int    // sched_getaffinity
	build                      *debug.BuildInfo
	sourceCommit               func() (commit string, modified bool, ok bool)
}

// Probe reads the environment of the running machine. It never fails: what
// cannot be read is left empty. It takes a few milliseconds, plus the
// /proc/kallsyms scan (tens of milliseconds at worst) for IA32Emulation.
func Probe() Env {
	f := facts{arch: runtime.GOARCH, goos: runtime.GOOS, goVersion: runtime.Version()}
	systemFacts(&f)
	if bi, ok := debug.ReadBuildInfo(); ok {
		f.build = bi
	}
	f.sourceCommit = sourceCommit
	return probe(os.DirFS("/"), f)
}

// Paths inside the probed tree (fs.FS names: no leading slash).
const (
	pathCPUInfo      = "proc/cpuinfo"
	pathMeminfo      = "proc/meminfo"
	pathCmdline      = "proc/cmdline"
	pathKallsyms     = "proc/kallsyms"
	pathStatus       = "proc/self/status"
	pathHostname     = "proc/sys/kernel/hostname"
	pathOSRelease    = "proc/sys/kernel/osrelease"
	pathKVersion     = "proc/sys/kernel/version"
	pathIOUring      = "proc/sys/kernel/io_uring_disabled"
	pathTCPCC        = "proc/sys/net/ipv4/tcp_congestion_control"
	pathConfigGz     = "proc/config.gz"
	pathEtcOSRelease = "etc/os-release"
	pathOnline       = "sys/devices/system/cpu/online"
	pathSMT          = "sys/devices/system/cpu/smt/control"
	pathGovernor     = "sys/devices/system/cpu/cpu0/cpufreq/scaling_governor"
	pathFreqDriver   = "sys/devices/system/cpu/cpu0/cpufreq/scaling_driver"
	pathVulnDir      = "sys/devices/system/cpu/vulnerabilities"
	pathClocksource  = "sys/devices/system/clocksource/clocksource0/current_clocksource"
	pathClocksources = "sys/devices/system/clocksource/clocksource0/available_clocksource"
	pathSysVendor    = "sys/class/dmi/id/sys_vendor"
	pathProductName  = "sys/class/dmi/id/product_name"
	pathHypervisor   = "sys/hypervisor/type"
)

// probe builds an Env from the tree fsys (the machine's "/" or a fixture)
// and the facts f.
func probe(fsys fs.FS, f facts) Env {
	e := Env{Arch: f.arch, OS: f.goos, Go: f.goVersion}

	e.Hostname = firstNonEmpty(f.hostname, readTrim(fsys, pathHostname))
	e.Kernel = firstNonEmpty(f.release, readTrim(fsys, pathOSRelease))
	e.KernelVersion = firstNonEmpty(f.version, readTrim(fsys, pathKVersion))
	if b, err := fs.ReadFile(fsys, pathEtcOSRelease); err == nil {
		e.Distro = parseOSRelease(b)
	}

	var flags map[string]bool
	if b, err := fs.ReadFile(fsys, pathCPUInfo); err == nil {
		e.CPUModel, flags = parseCPUInfo(b)
	}
	if cpus, err := ParseCPUList(readTrim(fsys, pathOnline)); err == nil {
		e.CPUsOnline = len(cpus)
	}
	e.CPUsAllowed = f.cpusAllowed
	if e.CPUsAllowed == 0 {
		if b, err := fs.ReadFile(fsys, pathStatus); err == nil {
			if cpus, err := ParseCPUList(parseStatusField(b, "Cpus_allowed_list")); err == nil {
				e.CPUsAllowed = len(cpus)
			}
		}
	}
	e.SMT = readTrim(fsys, pathSMT)

	e.Governor = readTrim(fsys, pathGovernor)
	e.FreqDriver = readTrim(fsys, pathFreqDriver)

	e.Mitigations = readVulnerabilities(fsys)
	e.Cmdline = readTrim(fsys, pathCmdline)
	if v, ok := parseCmdlineParam(e.Cmdline, "mitigations"); ok {
		e.MitigationsCmdline = v
	}

	e.Clocksource = readTrim(fsys, pathClocksource)
	e.ClocksourcesAvailable = readTrim(fsys, pathClocksources)

	e.Virtualization, e.VirtHints = guessVirtualization(virtEvidence{
		HypervisorFlag:        flags["hypervisor"],
		SysVendor:             readTrim(fsys, pathSysVendor),
		ProductName:           readTrim(fsys, pathProductName),
		HypervisorType:        readTrim(fsys, pathHypervisor),
		Clocksource:           e.Clocksource,
		ClocksourcesAvailable: e.ClocksourcesAvailable,
	})

	if e.Arch == "amd64" {
		e.IA32Emulation = probeIA32(fsys, e.Cmdline, e.Kernel)
	}
	e.IOUringDisabled = readTrim(fsys, pathIOUring)
	e.TCPCongestion = readTrim(fsys, pathTCPCC)

	if b, err := fs.ReadFile(fsys, pathMeminfo); err == nil {
		e.MemTotalBytes = parseMeminfo(b)["MemTotal"]
	}

	e.Version, e.Commit, e.Modified = buildIdentity(f.build)
	switch {
	case e.Commit != "":
		e.CommitFrom = "build"
	case f.sourceCommit != nil:
		if c, m, ok := f.sourceCommit(); ok {
			e.Commit, e.Modified, e.CommitFrom = c, m, "source"
		}
	}
	e.Warnings = warnings(e)
	return e
}

// probeIA32 gathers the evidence for Env.IA32Emulation and lets ia32State
// decide.
//
// Why kallsyms: no sysfs or procfs file says whether the kernel can run
// 32-bit code. The int80 entry point exists only when the kernel was built
// with CONFIG_IA32_EMULATION: it is called int80_emulation since Linux 6.7
// and entry_INT80_compat before. /proc/kallsyms lists symbol names even to
// unprivileged readers (only the addresses are zeroed), so its names are a
// reliable witness. It is ~120k lines; the symbol sits in the first hundred
// or so, so the scan normally stops early.
func probeIA32(fsys fs.FS, cmdline, release string) string {
	sym := symUnknown
	if r, err := fsys.Open(pathKallsyms); err == nil {
		found, err := kallsymsHas(r, "int80_emulation", "entry_INT80_compat")
		r.Close()
		switch {
		case err != nil:
		case found:
			sym = symFound
		default:
			sym = symAbsent
		}
	}
	// A kernel built with CONFIG_IA32_EMULATION_DEFAULT_DISABLED has the
	// symbol but refuses 32-bit processes unless booted with
	// ia32_emulation=1; only the kernel config tells, when it is available.
	defaultDisabled := false
	if sym == symFound {
		defaultDisabled = configHas(readKernelConfig(fsys, release), "CONFIG_IA32_EMULATION_DEFAULT_DISABLED=y")
	}
	return ia32State(cmdline, sym, defaultDisabled)
}

// buildIdentity extracts the zbench version, commit and dirty flag from the
// binary's build info. go run and builds outside a VCS checkout carry no vcs
// settings: then version is "(devel)" and commit "".
func buildIdentity(bi *debug.BuildInfo) (version, commit string, modified bool) {
	if bi == nil {
		return "", "", false
	}
	version = bi.Main.Version
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			commit = s.Value
		case "vcs.modified":
			modified = s.Value == "true"
		}
	}
	return version, commit, modified
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}
