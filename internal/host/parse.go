package host

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"slices"
	"strconv"
	"strings"
)

// This file holds the pure parsers (bytes and strings in, values out) and
// the thin file-reading helpers that feed them.

// ErrBadCPUList is wrapped by every error ParseCPUList returns.
var ErrBadCPUList = errors.New("bad cpu list")

// maxCPU bounds CPU numbers accepted by ParseCPUList. The kernel's NR_CPUS
// tops out at 8192; the bound only keeps a typo such as "0-4000000000" from
// allocating gigabytes.
const maxCPU = 1<<16 - 1

// ParseCPUList parses a kernel CPU list such as "0-3,8,10-11" (the format of
// /sys/devices/system/cpu/online, Cpus_allowed_list, taskset -c) into CPU
// numbers in the order listed. Surrounding white space is ignored; an empty
// list yields no CPUs and no error (the kernel prints an empty set as an empty
// line). Descending ranges, signs, empty elements, numbers above 65535 and
// CPUs listed twice are errors wrapping ErrBadCPUList; the kernel never
// prints them, and for CPU pinning a repeated CPU is surely a mistake. The
// kernel's stride syntax ("0-15:2/4") is not accepted.
func ParseCPUList(s string) ([]int, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, nil
	}
	var cpus []int
	seen := make(map[int]bool)
	for part := range strings.SplitSeq(s, ",") {
		loS, hiS, isRange := strings.Cut(part, "-")
		lo, err := parseCPUNum(loS)
		if err != nil {
			return nil, fmt.Errorf("%w %q: element %q: %w", ErrBadCPUList, s, part, err)
		}
		hi := lo
		if isRange {
			if hi, err = parseCPUNum(hiS); err != nil {
				return nil, fmt.Errorf("%w %q: element %q: %w", ErrBadCPUList, s, part, err)
			}
			if hi < lo {
				return nil, fmt.Errorf("%w %q: descending range %q", ErrBadCPUList, s, part)
			}
		}
		for c := lo; c <= hi; c++ {
			if seen[c] {
				return nil, fmt.Errorf("%w %q: cpu %d listed twice", ErrBadCPUList, s, c)
			}
			seen[c] = true
			cpus = append(cpus, c)
		}
	}
	return cpus, nil
}

var (
	errNotNumber = errors.New("not a cpu number")
	errTooBig    = fmt.Errorf("cpu number above %d", maxCPU)
)

// parseCPUNum accepts decimal digits only: strconv.Atoi would let "+1" in.
func parseCPUNum(s string) (int, error) {
	if s == "" {
		return 0, errNotNumber
	}
	n := 0
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return 0, errNotNumber
		}
		if n = n*10 + int(c-'0'); n > maxCPU {
			return 0, errTooBig
		}
	}
	return n, nil
}

// FormatCPUList is the inverse of ParseCPUList: it prints cpus in ascending
// order, with runs of consecutive CPUs as ranges ("0-3,8,10-11"). Duplicates
// are printed once. cpus is not modified.
func FormatCPUList(cpus []int) string {
	s := slices.Clone(cpus)
	slices.Sort(s)
	s = slices.Compact(s)
	var b strings.Builder
	for i := 0; i < len(s); {
		j := i
		for j+1 < len(s) && s[j+1] == s[j]+1 {
			j++
		}
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.Itoa(s[i]))
		if j > i {
			b.WriteByte('-')
			b.WriteString(strconv.Itoa(s[j]))
		}
		i = j + 1
	}
	return b.String()
}

// parseCPUInfo returns the "model name" and the set of "flags" of the first
// processor in /proc/cpuinfo. The flags are the same on every CPU of the
// machines we care about, and the one we need (hypervisor) always is.
func parseCPUInfo(b []byte) (model string, flags map[string]bool) {
	flags = make(map[string]bool)
	sawFlags := false
	for line := range strings.SplitSeq(string(b), "\n") {
		key, val, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		key, val = strings.TrimSpace(key), strings.TrimSpace(val)
		switch key {
		case "model name":
			if model == "" {
				model = val
			}
		case "flags":
			if !sawFlags {
				sawFlags = true
				for _, f := range strings.Fields(val) {
					flags[f] = true
				}
			}
		}
		if model != "" && sawFlags {
			break
		}
	}
	return model, flags
}

// parseMeminfo parses /proc/meminfo into field → value, converting "kB"
// values to bytes; unitless fields (HugePages_Total) are kept as counts.
func parseMeminfo(b []byte) map[string]uint64 {
	m := make(map[string]uint64)
	for line := range strings.SplitSeq(string(b), "\n") {
		key, val, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		f := strings.Fields(val)
		if len(f) == 0 {
			continue
		}
		n, err := strconv.ParseUint(f[0], 10, 64)
		if err != nil {
			continue
		}
		if len(f) > 1 && f[1] == "kB" {
			n *= 1024
		}
		m[strings.TrimSpace(key)] = n
	}
	return m
}

// parseCmdlineParam returns the value of kernel parameter key in cmdline and
// whether it is present at all (a bare "nosmt" gives "", true). It follows
// the kernel's own rules: double quotes may wrap an argument or its value,
// '-' and '_' are the same in parameter names, everything after "--" belongs
// to init, and when a parameter repeats the last one wins.
func parseCmdlineParam(cmdline, key string) (string, bool) {
	var val string
	found := false
	for _, arg := range splitCmdline(cmdline) {
		if arg == "--" {
			break
		}
		name, v, _ := strings.Cut(arg, "=")
		if paramEq(name, key) {
			val, found = v, true
		}
	}
	return val, found
}

// splitCmdline splits at white space outside double quotes and drops the
// quotes, as the kernel's next_arg does.
func splitCmdline(s string) []string {
	var args []string
	var cur strings.Builder
	inQuote, inArg := false, false
	for _, r := range s {
		switch {
		case r == '"':
			inQuote = !inQuote
			inArg = true
		case !inQuote && (r == ' ' || r == '\t' || r == '\n'):
			if inArg {
				args = append(args, cur.String())
				cur.Reset()
				inArg = false
			}
		default:
			cur.WriteRune(r)
			inArg = true
		}
	}
	if inArg {
		args = append(args, cur.String())
	}
	return args
}

func paramEq(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if x == '-' {
			x = '_'
		}
		if y == '-' {
			y = '_'
		}
		if x != y {
			return false
		}
	}
	return true
}

// parseKernelBool mirrors the kernel's kstrtobool: y/t/1/on are true,
// n/f/0/off are false; ok is false for anything else.
func parseKernelBool(s string) (val, ok bool) {
	if s == "" {
		return false, false
	}
	switch s[0] {
	case 'y', 'Y', 't', 'T', '1':
		return true, true
	case 'n', 'N', 'f', 'F', '0':
		return false, true
	case 'o', 'O':
		if len(s) > 1 {
			switch s[1] {
			case 'n', 'N':
				return true, true
			case 'f', 'F':
				return false, true
			}
		}
	}
	return false, false
}

// parseStatusField returns the trimmed value of field in a
// /proc/<pid>/status style "Key:\tvalue" file, or "".
func parseStatusField(b []byte, field string) string {
	for line := range strings.SplitSeq(string(b), "\n") {
		key, val, ok := strings.Cut(line, ":")
		if ok && key == field {
			return strings.TrimSpace(val)
		}
	}
	return ""
}

// parseOSRelease returns PRETTY_NAME from an os-release file, unquoted.
func parseOSRelease(b []byte) string {
	v := parseKeyValue(b, "PRETTY_NAME")
	if u, err := strconv.Unquote(v); err == nil {
		return u
	}
	return strings.Trim(v, `"'`)
}

func parseKeyValue(b []byte, field string) string {
	for line := range strings.SplitSeq(string(b), "\n") {
		key, val, ok := strings.Cut(line, "=")
		if ok && strings.TrimSpace(key) == field {
			return strings.TrimSpace(val)
		}
	}
	return ""
}

// parseVulnerabilities turns the raw contents of the files in
// /sys/devices/system/cpu/vulnerabilities (name → content) into the
// Env.Mitigations map: contents trimmed, entries with no name dropped.
func parseVulnerabilities(files map[string]string) map[string]string {
	if files == nil {
		return nil
	}
	m := make(map[string]string, len(files))
	for name, content := range files {
		if name == "" {
			continue
		}
		m[name] = strings.TrimSpace(content)
	}
	return m
}

var errNoSymbols = errors.New("kallsyms: no symbols listed")

// kallsymsHas reports whether any of names is a symbol in r, a stream in
// /proc/kallsyms format ("ffffffff81001a40 T int80_emulation [module]").
// Names are matched exactly, so "asm_int80_emulation" does not count as
// "int80_emulation". It stops at the first hit. An empty stream is an error
// (errNoSymbols): it proves nothing about the kernel.
func kallsymsHas(r io.Reader, names ...string) (bool, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 64<<10)
	lines := 0
	for sc.Scan() {
		lines++
		line := sc.Bytes()
		i := bytes.IndexByte(line, ' ')
		if i < 0 {
			continue
		}
		rest := line[i+1:]
		j := bytes.IndexByte(rest, ' ')
		if j < 0 {
			continue
		}
		sym := rest[j+1:]
		if k := bytes.IndexAny(sym, " \t"); k >= 0 {
			sym = sym[:k]
		}
		for _, n := range names {
			if string(sym) == n {
				return true, nil
			}
		}
	}
	if err := sc.Err(); err != nil {
		return false, fmt.Errorf("kallsyms: %w", err)
	}
	if lines == 0 {
		return false, errNoSymbols
	}
	return false, nil
}

// symState is what the kallsyms scan learned about the int80 entry symbol.
type symState int

const (
	symUnknown symState = iota // kallsyms unreadable or empty
	symFound
	symAbsent
)

// ia32State decides Env.IA32Emulation: "no" when the command line turns
// emulation off, when the kernel lacks the int80 entry symbol, or when it was
// built default-disabled and the command line does not turn it on; "yes"
// when the symbol is there; "" when nothing is known.
func ia32State(cmdline string, sym symState, defaultDisabled bool) string {
	on, onOK := false, false
	if v, ok := parseCmdlineParam(cmdline, "ia32_emulation"); ok {
		on, onOK = parseKernelBool(v)
		if onOK && !on {
			return "no"
		}
	}
	switch sym {
	case symAbsent:
		return "no"
	case symFound:
		if defaultDisabled && !(onOK && on) {
			return "no"
		}
		return "yes"
	}
	return ""
}

// configHas reports whether the kernel config text cfg has line verbatim.
func configHas(cfg []byte, line string) bool {
	for l := range bytes.SplitSeq(cfg, []byte("\n")) {
		if string(bytes.TrimSpace(l)) == line {
			return true
		}
	}
	return false
}

// readKernelConfig returns the running kernel's build config from
// /boot/config-<release> or /proc/config.gz (CONFIG_IKCONFIG_PROC), or nil.
func readKernelConfig(fsys fs.FS, release string) []byte {
	if release != "" && !strings.Contains(release, "/") {
		if b, err := fs.ReadFile(fsys, "boot/config-"+release); err == nil {
			return b
		}
	}
	f, err := fsys.Open(pathConfigGz)
	if err != nil {
		return nil
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return nil
	}
	b, err := io.ReadAll(io.LimitReader(zr, 16<<20))
	if err != nil {
		return nil
	}
	return b
}

// readTrim returns the trimmed content of name, or "" when it cannot be read.
func readTrim(fsys fs.FS, name string) string {
	b, err := fs.ReadFile(fsys, name)
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

// readVulnerabilities reads every file of the vulnerabilities directory; nil
// when the directory cannot be listed (old kernels, non-x86 before 6.x).
func readVulnerabilities(fsys fs.FS) map[string]string {
	ents, err := fs.ReadDir(fsys, pathVulnDir)
	if err != nil {
		return nil
	}
	files := make(map[string]string, len(ents))
	for _, ent := range ents {
		if ent.IsDir() {
			continue
		}
		b, err := fs.ReadFile(fsys, pathVulnDir+"/"+ent.Name())
		if err != nil {
			continue
		}
		files[ent.Name()] = string(b)
	}
	return parseVulnerabilities(files)
}
