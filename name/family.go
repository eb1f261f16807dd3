package name

import "slices"

// Family is a family of benchmarks: the first segment of its names, and
// what it measures in a line, for headings of lists and reports.
type Family struct {
	Name string
	What string
}

// Families is every family, in the order reports show them. Adding a
// family is a line here (docs/design.md, "Adding a family").
var Families = []Family{
	{"lat", "latency: system calls, and round trips over pipes, AF_UNIX, TCP and UDP"},
	{"ctxsw", "context switches: lat_ctx's ring of processes or threads"},
	{"bw", "bandwidth: memory, and streams over pipes, AF_UNIX and TCP"},
	{"zerocopy", "send methods side by side, from write(2) to io_uring SEND_ZC, and header-plus-file responses"},
	{"proc", "process creation: a program spawned, run to its exit and waited for"},
}

// FamilyRank is a family's place in Families; families it does not know
// come after all of them.
func FamilyRank(family string) int {
	if i := slices.IndexFunc(Families, func(f Family) bool { return f.Name == family }); i >= 0 {
		return i
	}
	return len(Families)
}

// FamilyWhat is what a family measures, "" for one Families does not know.
func FamilyWhat(family string) string {
	if i := FamilyRank(family); i < len(Families) {
		return Families[i].What
	}
	return ""
}
