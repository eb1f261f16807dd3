package host

import (
	"bytes"
	"compress/gzip"
	"errors"
	"maps"
	"os"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
)

func TestParseCPUList(t *testing.T) {
	tests := []struct {
		in      string
		want    []int
		wantErr bool
	}{
		{in: "0", want: []int{0}},
		{in: "0-1", want: []int{0, 1}},
		{in: "0-3,8,10-11", want: []int{0, 1, 2, 3, 8, 10, 11}},
		{in: "", want: nil},
		{in: " 0-1\n", want: []int{0, 1}},
		{in: "\n", want: nil},
		{in: "5,2", want: []int{5, 2}}, // listed order is kept
		{in: "65535", want: []int{65535}},
		{in: "a", wantErr: true},
		{in: "3-1", wantErr: true},
		{in: "1-", wantErr: true},
		{in: "-1", wantErr: true},
		{in: "+1", wantErr: true},
		{in: "0,", wantErr: true},
		{in: ",0", wantErr: true},
		{in: "0,,1", wantErr: true},
		{in: "0-1-2", wantErr: true},
		{in: "0 - 1", wantErr: true},
		{in: "0-3,2", wantErr: true}, // duplicate
		{in: "65536", wantErr: true},
		{in: "0-99999999999999999999", wantErr: true},
		{in: "0-15:2/4", wantErr: true},
	}
	for _, tt := range tests {
		got, err := ParseCPUList(tt.in)
		if tt.wantErr {
			if err == nil {
				t.Errorf("ParseCPUList(%q) = %v, want error", tt.in, got)
			} else if !errors.Is(err, ErrBadCPUList) {
				t.Errorf("ParseCPUList(%q) error %v does not wrap ErrBadCPUList", tt.in, err)
			}
			continue
		}
		if err != nil || !slices.Equal(got, tt.want) {
			t.Errorf("ParseCPUList(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
}

func TestFormatCPUList(t *testing.T) {
	tests := []struct {
		in   []int
		want string
	}{
		{nil, ""},
		{[]int{0}, "0"},
		{[]int{0, 1}, "0-1"},
		{[]int{11, 10, 8, 3, 2, 1, 0}, "0-3,8,10-11"},
		{[]int{1, 1, 3}, "1,3"},
	}
	for _, tt := range tests {
		if got := FormatCPUList(tt.in); got != tt.want {
			t.Errorf("FormatCPUList(%v) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// FuzzParseCPUList checks that ParseCPUList never panics and that whatever
// it accepts survives FormatCPUList → ParseCPUList as the same set.
func FuzzParseCPUList(f *testing.F) {
	for _, s := range []string{"0", "0-1", "0-3,8,10-11", "", " 0-1\n", "a", "3-1", "1-", "-1", "7,3,5-6", "0-15:2/4"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		cpus, err := ParseCPUList(s)
		if err != nil {
			if !errors.Is(err, ErrBadCPUList) {
				t.Fatalf("ParseCPUList(%q) error %v does not wrap ErrBadCPUList", s, err)
			}
			return
		}
		for _, c := range cpus {
			if c < 0 || c > maxCPU {
				t.Fatalf("ParseCPUList(%q) gave out-of-range cpu %d", s, c)
			}
		}
		text := FormatCPUList(cpus)
		again, err := ParseCPUList(text)
		if err != nil {
			t.Fatalf("ParseCPUList(FormatCPUList(%v) = %q): %v", cpus, text, err)
		}
		want := slices.Sorted(slices.Values(cpus))
		if !slices.Equal(again, want) {
			t.Fatalf("round trip of %q: got %v, want %v", s, again, want)
		}
	})
}

func TestParseCPUInfo(t *testing.T) {
	tests := []struct {
		file       string
		model      string
		hypervisor bool
		flag       string // some other flag that must be present
	}{
		{"testdata/epyc-kvm/proc/cpuinfo", "AMD EPYC", true, "avx512f"},
		{"testdata/xeon-baremetal/proc/cpuinfo", "Intel(R) Xeon(R) Gold 6338 CPU @ 2.00GHz", false, "vmx"},
	}
	for _, tt := range tests {
		b, err := os.ReadFile(tt.file)
		if err != nil {
			t.Fatal(err)
		}
		model, flags := parseCPUInfo(b)
		if model != tt.model {
			t.Errorf("%s: model %q, want %q", tt.file, model, tt.model)
		}
		if flags["hypervisor"] != tt.hypervisor {
			t.Errorf("%s: hypervisor flag %v, want %v", tt.file, flags["hypervisor"], tt.hypervisor)
		}
		if !flags[tt.flag] {
			t.Errorf("%s: flag %q missing", tt.file, tt.flag)
		}
	}

	// arm64 style: no "model name", "Features" instead of "flags".
	model, flags := parseCPUInfo([]byte("processor\t: 0\nBogoMIPS\t: 50.00\nFeatures\t: fp asimd evtstrm\nCPU implementer\t: 0x41\n"))
	if model != "" || len(flags) != 0 {
		t.Errorf("arm64 cpuinfo: model %q flags %v, want empty", model, flags)
	}
}

func TestParseMeminfo(t *testing.T) {
	m := parseMeminfo([]byte("MemTotal:       24683620 kB\nMemFree:        24533968 kB\nHugePages_Total:       4\nbogus line\nBad:  x kB\n"))
	want := map[string]uint64{"MemTotal": 24683620 * 1024, "MemFree": 24533968 * 1024, "HugePages_Total": 4}
	if !maps.Equal(m, want) {
		t.Errorf("parseMeminfo = %v, want %v", m, want)
	}
}

func TestParseCmdlineParam(t *testing.T) {
	const fc = "mitigations=auto,nosmt console=ttyS0 ia32_emulation=0 pti=on ptix=1 nosmt quiet"
	tests := []struct {
		cmdline, key string
		want         string
		wantOK       bool
	}{
		{fc, "mitigations", "auto,nosmt", true},
		{fc, "ia32_emulation", "0", true},
		{fc, "ia32-emulation", "0", true}, // '-' and '_' are the same in names
		{fc, "pti", "on", true},           // not fooled by ptix=1
		{fc, "ptix", "1", true},
		{fc, "pt", "", false}, // a prefix of a key is not the key
		{fc, "nosmt", "", true},
		{fc, "isolcpus", "", false},
		{"", "mitigations", "", false},
		{"tsc=reliable tsc=unstable", "tsc", "unstable", true}, // last wins
		{"a=1 -- mitigations=off", "mitigations", "", false},   // after -- belongs to init
		{`dyndbg="file foo.c +p" quiet`, "dyndbg", "file foo.c +p", true},
		{`"acpi_osi=Windows 2020" quiet`, "acpi_osi", "Windows 2020", true},
		{"console=ttyS0\n", "console", "ttyS0", true},
	}
	for _, tt := range tests {
		got, ok := parseCmdlineParam(tt.cmdline, tt.key)
		if got != tt.want || ok != tt.wantOK {
			t.Errorf("parseCmdlineParam(%q, %q) = %q, %v; want %q, %v", tt.cmdline, tt.key, got, ok, tt.want, tt.wantOK)
		}
	}
}

func TestParseKernelBool(t *testing.T) {
	tests := []struct {
		in      string
		val, ok bool
	}{
		{"1", true, true}, {"y", true, true}, {"true", true, true}, {"on", true, true},
		{"0", false, true}, {"N", false, true}, {"false", false, true}, {"off", false, true},
		{"", false, false}, {"o", false, false}, {"2", false, false}, {"maybe", false, false},
	}
	for _, tt := range tests {
		val, ok := parseKernelBool(tt.in)
		if val != tt.val || ok != tt.ok {
			t.Errorf("parseKernelBool(%q) = %v, %v; want %v, %v", tt.in, val, ok, tt.val, tt.ok)
		}
	}
}

func TestParseVulnerabilities(t *testing.T) {
	got := parseVulnerabilities(map[string]string{
		"spectre_v2": "Mitigation: Retpolines; STIBP: disabled\n",
		"meltdown":   "  Not affected\n",
		"":           "ignored",
	})
	want := map[string]string{"spectre_v2": "Mitigation: Retpolines; STIBP: disabled", "meltdown": "Not affected"}
	if !maps.Equal(got, want) {
		t.Errorf("parseVulnerabilities = %v, want %v", got, want)
	}
	if parseVulnerabilities(nil) != nil {
		t.Error("parseVulnerabilities(nil) != nil")
	}
}

func TestParseOSRelease(t *testing.T) {
	tests := map[string]string{
		"NAME=x\nPRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\n": "Debian GNU/Linux 12 (bookworm)",
		"PRETTY_NAME='Fedora Linux 41'\n":                          "Fedora Linux 41",
		"PRETTY_NAME=Alpine\n":                                     "Alpine",
		"NAME=x\n":                                                 "",
	}
	for in, want := range tests {
		if got := parseOSRelease([]byte(in)); got != want {
			t.Errorf("parseOSRelease(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestKallsymsHas(t *testing.T) {
	const syms = "0000000000000000 A fixed_percpu_data\n" +
		"ffffffff81000c90 T asm_int80_emulation\n" +
		"ffffffffc0000000 t int80_emulation_helper\t[somemod]\n" +
		"ffffffffc0001000 t modsym\t[int80_emulation]\n" +
		"garbage\n"
	tests := []struct {
		in      string
		names   []string
		want    bool
		wantErr bool
	}{
		{syms, []string{"int80_emulation"}, false, false}, // only near misses
		{syms + "ffffffff81001a40 T int80_emulation\n", []string{"int80_emulation", "entry_INT80_compat"}, true, false},
		{syms + "ffffffff81e02a30 T entry_INT80_compat\n", []string{"int80_emulation", "entry_INT80_compat"}, true, false},
		{"0000000000000000 T int80_emulation\n", []string{"int80_emulation"}, true, false}, // unprivileged reader: zero addresses
		{syms + "ffffffffc0000000 t int80_emulation\t[mod]\n", []string{"int80_emulation"}, true, false},
		{"", []string{"int80_emulation"}, false, true},
		{strings.Repeat("x", 70<<10) + "\n", []string{"int80_emulation"}, false, true}, // line over the 64 KiB buffer
	}
	for i, tt := range tests {
		got, err := kallsymsHas(strings.NewReader(tt.in), tt.names...)
		if got != tt.want || (err != nil) != tt.wantErr {
			t.Errorf("case %d: kallsymsHas = %v, %v; want %v, error %v", i, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestIA32State(t *testing.T) {
	tests := []struct {
		cmdline         string
		sym             symState
		defaultDisabled bool
		want            string
	}{
		{"quiet", symFound, false, "yes"},
		{"quiet", symAbsent, false, "no"},
		{"quiet", symUnknown, false, ""},
		{"ia32_emulation=0", symFound, false, "no"},
		{"ia32_emulation=off", symUnknown, false, "no"},
		{"ia32_emulation=false", symFound, false, "no"},
		{"ia32_emulation=1", symUnknown, false, ""}, // an unknown parameter proves nothing
		{"quiet", symFound, true, "no"},
		{"ia32_emulation=1", symFound, true, "yes"},
		{"ia32_emulation=on", symFound, true, "yes"},
		{"ia32_emulation=junk", symFound, false, "yes"},
	}
	for _, tt := range tests {
		if got := ia32State(tt.cmdline, tt.sym, tt.defaultDisabled); got != tt.want {
			t.Errorf("ia32State(%q, %v, %v) = %q, want %q", tt.cmdline, tt.sym, tt.defaultDisabled, got, tt.want)
		}
	}
}

func TestReadKernelConfig(t *testing.T) {
	const line = "CONFIG_IA32_EMULATION_DEFAULT_DISABLED=y"
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte("CONFIG_X86_64=y\n" + line + "\n"))
	zw.Close()

	fromBoot := fstest.MapFS{"boot/config-6.8.0": {Data: []byte("CONFIG_X86_64=y\n" + line + "\n")}}
	fromProc := fstest.MapFS{"proc/config.gz": {Data: gz.Bytes()}}
	notSet := fstest.MapFS{"boot/config-6.8.0": {Data: []byte("# CONFIG_IA32_EMULATION_DEFAULT_DISABLED is not set\n")}}
	tests := []struct {
		name string
		fsys fstest.MapFS
		want bool
	}{
		{"boot", fromBoot, true},
		{"proc", fromProc, true},
		{"not set", notSet, false},
		{"none", fstest.MapFS{}, false},
	}
	for _, tt := range tests {
		if got := configHas(readKernelConfig(tt.fsys, "6.8.0"), line); got != tt.want {
			t.Errorf("%s: configHas = %v, want %v", tt.name, got, tt.want)
		}
	}
}
