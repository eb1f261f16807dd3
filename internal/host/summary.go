package host

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// KV is one row of the `zbench env` table.
type KV struct{ Key, Value string }

// Summary returns the Env as ordered human-readable rows for the
// `zbench env` table: identity, CPU, timing, virtualization, kernel knobs,
// build, then one "mitigation: <name>" row per vulnerability file in name
// order. Unknown values read "n/a". Warnings are not included; the caller
// shows them separately.
func (e Env) Summary() []KV {
	gov := e.Governor
	if gov == "" {
		gov = "n/a (no cpufreq)"
	}
	commit := na(e.Commit)
	if e.Modified {
		commit += " (modified)"
	}
	rows := []KV{
		{"hostname", na(e.Hostname)},
		{"kernel", na(e.Kernel)},
		{"kernel version", na(e.KernelVersion)},
		{"os/arch", na(e.OS) + "/" + na(e.Arch)},
		{"distro", na(e.Distro)},
		{"cpu model", na(e.CPUModel)},
		{"cpus online", count(e.CPUsOnline)},
		{"cpus allowed", count(e.CPUsAllowed)},
		{"smt", na(e.SMT)},
		{"memory", formatBytes(e.MemTotalBytes)},
		{"governor", gov},
		{"freq driver", na(e.FreqDriver)},
		{"clocksource", na(e.Clocksource)},
		{"clocksources available", na(e.ClocksourcesAvailable)},
		{"virtualization", na(e.Virtualization)},
		{"virt hints", na(strings.Join(e.VirtHints, "; "))},
		{"ia32 emulation (config)", na(e.IA32Emulation)},
		{"io_uring_disabled", na(e.IOUringDisabled)},
		{"tcp congestion control", na(e.TCPCongestion)},
		{"mitigations=", na(e.MitigationsCmdline)},
		{"go", na(e.Go)},
		{"zbench version", na(e.Version)},
		{"zbench commit", commit},
	}
	names := make([]string, 0, len(e.Mitigations))
	for name := range e.Mitigations {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		rows = append(rows, KV{"mitigation: " + name, na(e.Mitigations[name])})
	}
	return rows
}

// warnings lists, in a fixed order, the conditions in e that make benchmark
// numbers less trustworthy or less comparable.
func warnings(e Env) []string {
	var w []string
	if e.Governor != "" && e.Governor != "performance" {
		w = append(w, fmt.Sprintf("frequency governor is %s on cpu0: results vary with load", e.Governor))
	}
	if e.Clocksource != "" && e.Clocksource != "tsc" {
		w = append(w, fmt.Sprintf("clocksource is not tsc (%s): time reads may be slower", e.Clocksource))
	}
	if e.Virtualization != "" && e.Virtualization != "none" {
		w = append(w, fmt.Sprintf("running under a hypervisor (%s): vCPUs may be preempted by the host", e.Virtualization))
	}
	if e.CPUsAllowed > 0 && e.CPUsOnline > 0 && e.CPUsAllowed < e.CPUsOnline {
		w = append(w, fmt.Sprintf("affinity mask allows %d of %d online CPUs: other work may share them", e.CPUsAllowed, e.CPUsOnline))
	}
	if e.MitigationsCmdline == "off" {
		w = append(w, "CPU vulnerability mitigations are off (mitigations=off): kernel entry costs are not comparable with mitigated kernels")
	}
	if e.Modified {
		w = append(w, "zbench was built from a modified tree: the commit does not identify the code")
	}
	return w
}

func na(s string) string { return cmp.Or(s, "n/a") }

func count(n int) string {
	if n <= 0 {
		return "n/a"
	}
	return strconv.Itoa(n)
}

// formatBytes prints a memory size in GiB (or MiB when small).
func formatBytes(b uint64) string {
	switch {
	case b == 0:
		return "n/a"
	case b >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(b)/(1<<30))
	default:
		return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20))
	}
}
