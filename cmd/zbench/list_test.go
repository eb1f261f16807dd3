package main

import (
	"strings"
	"testing"
)

// list puts the legend first, groups names under a heading per family in
// registry order, keeps the docs for --long, and shows its flags under -h.
func TestListGrouped(t *testing.T) {
	code, stdout, stderr := zbench("list")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	lines := strings.Split(stdout, "\n")
	if !strings.HasPrefix(lines[0], "* in the default suite") {
		t.Errorf("first line %q, want the legend", lines[0])
	}
	if strings.Contains(stdout, "One op is") {
		t.Errorf("short list carries the docs; they belong to --long")
	}
	var heads []string
	for _, l := range lines {
		if l != "" && !strings.HasPrefix(l, " ") && !strings.HasPrefix(l, "*") && strings.Contains(l, "): ") {
			heads = append(heads, strings.SplitN(l, " ", 2)[0])
		}
	}
	if got := strings.Join(heads, ","); got != "lat,ctxsw,bw,zerocopy,proc" {
		t.Errorf("family headings %q, want lat,ctxsw,bw,zerocopy,proc", got)
	}
	// Every benchmark sits under its own family's heading.
	family := ""
	for _, l := range lines {
		if len(heads) > 0 && strings.Contains(l, "): ") && !strings.HasPrefix(l, " ") && !strings.HasPrefix(l, "*") {
			family = strings.SplitN(l, " ", 2)[0]
			continue
		}
		n := strings.TrimSpace(strings.TrimPrefix(l, "*"))
		if strings.Contains(n, "/") && !strings.HasPrefix(n, "[") && !strings.HasPrefix(n, family+"/") {
			t.Errorf("%q listed under %s", n, family)
		}
	}
	code, long, _ := zbench("list", "--long", "lat/syscall/null")
	if code != exitOK || !strings.Contains(long, "One op is one") {
		t.Errorf("list --long: exit %d, no doc:\n%s", code, long)
	}
	code, _, help := zbench("list", "-h")
	if code != exitOK || !strings.Contains(help, "-long") {
		t.Errorf("list -h: exit %d, flags not shown:\n%s", code, help)
	}
}
