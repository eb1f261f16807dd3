package host

import (
	"fmt"
	"strconv"
	"strings"
)

// NIC describes the network interface a run's network benchmarks used: what
// decides whether zero-copy can be zero-copy (scatter-gather and TX checksum
// offload), how big segments get (TSO/GSO, GRO), and the wire (speed, MTU).
type NIC struct {
	Name string `json:"name"`
	// Kind is "loopback", "veth", "physical" (backed by a device) or
	// "virtual" (another software interface).
	Kind      string          `json:"kind"`
	Driver    string          `json:"driver,omitempty"`
	Bus       string          `json:"bus,omitempty"`
	SpeedMbps int             `json:"speed_mbps,omitempty"` // 0: not reported
	MTU       int             `json:"mtu,omitempty"`
	Offloads  map[string]bool `json:"offloads,omitempty"` // sg, tx-checksum, tso, gso, gro
	Note      string          `json:"note,omitempty"`
}

// nicKind classifies an interface from its flags, driver and whether sysfs
// shows a backing device.
func nicKind(loopback bool, driver string, hasDevice bool) string {
	switch {
	case loopback:
		return "loopback"
	case driver == "veth":
		return "veth"
	case hasDevice:
		return "physical"
	}
	return "virtual"
}

// nicNote says what a kind of interface means for zero-copy sends.
func nicNote(n *NIC) string {
	switch n.Kind {
	case "loopback", "veth":
		return n.Kind + ": the receiving socket is on this host, so MSG_ZEROCOPY and io_uring SEND_ZC complete as copied"
	case "physical":
		if n.Offloads != nil && !(n.Offloads["sg"] && n.Offloads["tx-checksum"]) {
			return "scatter-gather or TX checksum offload is off: zero-copy sends fall back to copying"
		}
		return "a device with scatter-gather and TX checksum offload can send from user pages without copying"
	}
	return ""
}

// parseSpeed reads /sys/class/net/IF/speed: Mb/s, or -1 (or an error on
// read) when the interface reports none, as virtual ones do.
func parseSpeed(s string) int {
	v, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || v <= 0 {
		return 0
	}
	return v
}

// Describe is a one-line summary: "lo (loopback), mtu 65536, sg tx-checksum tso gso gro".
func (n NIC) Describe() string {
	parts := []string{fmt.Sprintf("%s (%s)", n.Name, n.Kind)}
	if n.Driver != "" && n.Driver != n.Kind {
		parts = append(parts, "driver "+n.Driver)
	}
	if n.SpeedMbps > 0 {
		parts = append(parts, strconv.Itoa(n.SpeedMbps)+" Mb/s")
	}
	parts = append(parts, "mtu "+strconv.Itoa(n.MTU))
	var on []string
	for _, k := range []string{"sg", "tx-checksum", "tso", "gso", "gro"} {
		if n.Offloads[k] {
			on = append(on, k)
		}
	}
	if len(on) > 0 {
		parts = append(parts, "offloads "+strings.Join(on, " "))
	}
	return strings.Join(parts, ", ")
}
