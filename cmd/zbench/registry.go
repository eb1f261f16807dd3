package main

import (
	"zbench/bench"
	"zbench/bw"
	"zbench/ctxsw"
	"zbench/lat"
	"zbench/proc"
	"zbench/zerocopy"
)

const (
	workerCommand = bench.WorkerCommand
	childCommand  = bench.ChildCommand
)

// registry is every benchmark zbench knows, in report order. The worker
// finds its benchmark here by name, so parent and worker agree by
// construction: they are the same binary.
func registry() []bench.Spec {
	specs := append(lat.Specs(), ctxsw.Specs()...)
	specs = append(specs, bw.Specs()...)
	specs = append(specs, zerocopy.Specs()...)
	return append(specs, proc.Specs()...)
}
