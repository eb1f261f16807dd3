package results

// Direction of a unit: whether smaller or larger values are better. Per-unit
// meaning is data here, so reports and exports never guess.
const (
	Lower  = "lower"
	Higher = "higher"
)

var better = map[string]string{
	"ns/op":    Lower,
	"cpu-ns/B": Lower,
	"B/s":      Higher,
	"op/s":     Higher,
}

// Better returns the direction of unit, and false when the unit is unknown.
func Better(unit string) (string, bool) {
	b, ok := better[unit]
	return b, ok
}
