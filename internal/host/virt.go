package host

import "strings"

// virtEvidence is what guessVirtualization looks at. Every field may be
// empty: DMI tables are absent on microVMs such as Firecracker, and
// /sys/hypervisor exists mainly under Xen.
type virtEvidence struct {
	HypervisorFlag        bool   // "hypervisor" in /proc/cpuinfo flags (CPUID.1:ECX bit 31)
	SysVendor             string // /sys/class/dmi/id/sys_vendor
	ProductName           string // /sys/class/dmi/id/product_name
	HypervisorType        string // /sys/hypervisor/type
	Clocksource           string // current clocksource
	ClocksourcesAvailable string // available clocksources, space separated
}

// guessVirtualization names the hypervisor the machine runs under, or
// "none", and lists the evidence it used. The most specific evidence wins:
// DMI strings, then /sys/hypervisor/type, then paravirtual clocksources,
// then the bare CPUID hypervisor bit ("unknown hypervisor").
//
// Why the clocksource: the kernel registers kvm-clock, hyperv_clocksource_*
// and xen only after it has detected that hypervisor's paravirtual
// interface, so seeing one of them, current or merely available, is proof
// of that hypervisor even when DMI is missing (Firecracker) or generic.
func guessVirtualization(ev virtEvidence) (string, []string) {
	var hints []string
	if ev.HypervisorFlag {
		hints = append(hints, "cpuinfo flag: hypervisor")
	}

	dmi := dmiVirt(ev.SysVendor, ev.ProductName)
	if dmi != "" {
		hints = append(hints, "dmi: "+strings.TrimSpace(ev.SysVendor+" "+ev.ProductName))
	} else if ev.SysVendor == "" && ev.ProductName == "" && ev.HypervisorFlag {
		hints = append(hints, "no dmi tables (typical of microVMs such as Firecracker)")
	}

	hv := strings.ToLower(strings.TrimSpace(ev.HypervisorType))
	if hv != "" {
		hints = append(hints, "sys/hypervisor/type: "+hv)
	}

	cs := ""
	if c := clocksourceVirt(ev.Clocksource); c != "" {
		cs = c
		hints = append(hints, "clocksource: "+ev.Clocksource)
	} else {
		for _, name := range strings.Fields(ev.ClocksourcesAvailable) {
			if c := clocksourceVirt(name); c != "" {
				cs = c
				hints = append(hints, "available clocksource: "+name)
				break
			}
		}
	}

	switch {
	case dmi == "qemu" && cs == "kvm":
		// QEMU's machine model with KVM acceleration.
		return "kvm", hints
	case dmi != "":
		return dmi, hints
	case hv != "":
		return hv, hints
	case cs != "":
		return cs, hints
	case ev.HypervisorFlag:
		return "unknown hypervisor", hints
	}
	return "none", hints
}

// dmiVirt maps DMI vendor and product strings to a hypervisor, or "".
func dmiVirt(vendor, product string) string {
	v, p := strings.ToLower(vendor), strings.ToLower(product)
	switch {
	case strings.Contains(v, "qemu"), strings.HasPrefix(p, "standard pc"):
		// QEMU's machine types; with KVM underneath the caller says "kvm".
		return "qemu"
	case strings.Contains(p, "kvm"):
		return "kvm"
	case strings.Contains(v, "vmware"), strings.HasPrefix(p, "vmware"):
		return "vmware"
	case strings.HasPrefix(v, "microsoft") && strings.Contains(p, "virtual machine"):
		// Both strings: Microsoft also sells bare-metal Surface machines.
		return "hyperv"
	case strings.Contains(v, "xen"), strings.Contains(p, "hvm domu"):
		return "xen"
	case strings.Contains(v, "innotek"), strings.Contains(p, "virtualbox"):
		return "virtualbox"
	case strings.Contains(v, "parallels"):
		return "parallels"
	case v == "google" && strings.Contains(p, "compute engine"):
		return "kvm"
	}
	return ""
}

// clocksourceVirt maps a paravirtual clocksource name to its hypervisor.
func clocksourceVirt(name string) string {
	switch {
	case name == "kvm-clock":
		return "kvm"
	case strings.HasPrefix(name, "hyperv_clocksource"):
		return "hyperv"
	case name == "xen":
		return "xen"
	}
	return ""
}
