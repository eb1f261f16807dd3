package sys

import (
	"go/ast"
	"go/parser"
	"go/printer"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unsafe"
)

// exempt lists conversions, by file and function, that break the rule in
// code this package's owner does not change; each says why it is not a
// defect today. An entry that no longer matches anything is reported, so the
// list only shrinks.
var exempt = map[string]string{
	// The SQE builders store a buffer's address in the SQE, as the ABI
	// wants; the callers' buffers are large slices made with make, which
	// are heap memory. To move to HeapBytes with the io_uring code.
	"internal/sys/uring.go:bufAddr": "SQE address of a caller's heap buffer",
}

// TestHeapRule walks every non-test Go file of the module and fails where a
// uintptr(unsafe.Pointer(x)) conversion is not directly an argument of a call
// (rule 4 of package unsafe) unless x is traced, in the same function, to
// memory from HeapBytes or HeapNew that is kept alive with runtime.KeepAlive:
// the rule written in heap.go.
func TestHeapRule(t *testing.T) {
	root := moduleRoot(t)
	used := map[string]bool{}
	files := 0
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			n := d.Name()
			if path != root && (strings.HasPrefix(n, ".") || n == "testdata" || n == "vendor" || n == "shared") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		rel, _ := filepath.Rel(root, path)
		files++
		for _, v := range heapViolations(t, path) {
			key := filepath.ToSlash(rel) + ":" + v.fn
			if _, ok := exempt[key]; ok {
				used[key] = true
				continue
			}
			t.Errorf("%s:%d: %s in %s: %s", filepath.ToSlash(rel), v.line, v.expr, v.fn, v.why)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files < 20 {
		t.Fatalf("walked %d Go files under %s: not the module", files, root)
	}
	for k := range exempt {
		if !used[k] {
			t.Logf("exemption %s matches nothing any more: remove it", k)
		}
	}
}

// The checker itself, on code that breaks the rule and code that keeps it.
func TestHeapRuleChecker(t *testing.T) {
	src := `package p
func bad1() { var buf [1]byte; p := uintptr(unsafe.Pointer(&buf[0])); use(); syscall.RawSyscall(0, p, 0, 0) }
func bad2() { var st T; var s uintptr = uintptr(unsafe.Pointer(&st)); _ = s }
func bad3(tok *[1]byte) { p := uintptr(unsafe.Pointer(&tok[0])); _ = p; runtime.KeepAlive(tok) }
func bad4() { raw := sys.HeapNew[T](); p := uintptr(unsafe.Pointer(&raw)); _ = p; runtime.KeepAlive(raw) }
func bad5() { buf := sys.HeapBytes(1); p := uintptr(unsafe.Pointer(&buf[0])); _ = p }
func bad6() { var st T; x := uint64(uintptr(unsafe.Pointer(&st))); _ = x }
func good1() { var st T; syscall.RawSyscall(0, uintptr(unsafe.Pointer(&st)), 0, 0) }
func good2() { buf := sys.HeapBytes(1); p := uintptr(unsafe.Pointer(&buf[0])); syscall.RawSyscall(0, p, 0, 0); runtime.KeepAlive(buf) }
func good3() { raw := sys.HeapNew[T](); p := uintptr(unsafe.Pointer(raw)); f := func() { syscall.RawSyscall(0, p, 0, 0) }; f(); runtime.KeepAlive(raw) }
func good5() { ts := HeapNew[T](); r.ts = ts; r.arg.ts = uint64(uintptr(unsafe.Pointer(ts))) }
func good4() { var ifr R; val := HeapNew[V](); ifr.data = uintptr(unsafe.Pointer(val)); syscall.Syscall(0, uintptr(unsafe.Pointer(&ifr)), 0, 0); runtime.KeepAlive(val) }
`
	path := filepath.Join(t.TempDir(), "p.go")
	if err := os.WriteFile(path, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for _, v := range heapViolations(t, path) {
		got[v.fn]++
	}
	for _, fn := range []string{"bad1", "bad2", "bad3", "bad4", "bad5", "bad6"} {
		if got[fn] != 1 {
			t.Errorf("%s: %d violations found, want 1", fn, got[fn])
		}
	}
	for _, fn := range []string{"good1", "good2", "good3", "good4", "good5"} {
		if got[fn] != 0 {
			t.Errorf("%s: %d violations found, want none", fn, got[fn])
		}
	}
}

// The helpers' memory is on the heap however the caller uses it: each call
// is a heap allocation even where the caller lets nothing escape, which a
// plain local buffer used the same way is not.
func TestHeapHelpers(t *testing.T) {
	if b := HeapBytes(8); len(b) != 8 {
		t.Fatalf("HeapBytes(8) has %d bytes", len(b))
	}
	if p := HeapNew[[16]byte](); p == nil || *p != [16]byte{} {
		t.Fatal("HeapNew returned no zero value")
	}
	if len(HeapBytes(0)) != 0 {
		t.Error("HeapBytes(0) is not empty")
	}
	var n uintptr
	if a := testing.AllocsPerRun(100, func() {
		b := HeapBytes(1)
		n += uintptr(unsafe.Pointer(&b[0])) & 1
	}); a < 1 {
		t.Errorf("HeapBytes: %v allocations per call: on the stack", a)
	}
	if a := testing.AllocsPerRun(100, func() {
		p := HeapNew[[1]byte]()
		n += uintptr(unsafe.Pointer(p)) & 1
	}); a < 1 {
		t.Errorf("HeapNew: %v allocations per call: on the stack", a)
	}
	// The control: the same use of a local is not an allocation, so the
	// counts above measure something.
	if a := testing.AllocsPerRun(100, func() {
		var b [1]byte
		n += uintptr(unsafe.Pointer(&b[0])) & 1
	}); a != 0 {
		t.Logf("a local [1]byte allocated (%v per call): the control says nothing here", a)
	}
}

type heapViolation struct {
	line     int
	fn, expr string
	why      string
}

// heapViolations returns the conversions in file that break the rule.
func heapViolations(t *testing.T, file string) []heapViolation {
	t.Helper()
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, file, nil, parser.SkipObjectResolution)
	if err != nil {
		t.Fatalf("parse %s: %v", file, err)
	}
	var out []heapViolation
	for _, d := range f.Decls {
		fd, ok := d.(*ast.FuncDecl)
		if !ok || fd.Body == nil {
			continue
		}
		var stack []ast.Node
		ast.Inspect(fd.Body, func(n ast.Node) bool {
			if n == nil {
				stack = stack[:len(stack)-1]
				return true
			}
			stack = append(stack, n)
			operand, ok := uintptrOfPointer(n)
			if !ok || callArgument(stack) {
				return true
			}
			if why := untraced(fd, operand); why != "" {
				out = append(out, heapViolation{
					line: fset.Position(n.Pos()).Line, fn: fd.Name.Name, expr: render(fset, n), why: why,
				})
			}
			return true
		})
	}
	return out
}

// uintptrOfPointer reports whether n is uintptr(unsafe.Pointer(x)), and x.
func uintptrOfPointer(n ast.Node) (ast.Expr, bool) {
	c, ok := n.(*ast.CallExpr)
	if !ok || len(c.Args) != 1 || !isIdent(c.Fun, "uintptr") {
		return nil, false
	}
	inner, ok := ast.Unparen(c.Args[0]).(*ast.CallExpr)
	if !ok || len(inner.Args) != 1 || !isSel(inner.Fun, "unsafe", "Pointer") {
		return nil, false
	}
	return inner.Args[0], true
}

// callArgument reports whether the top of stack is directly an argument of
// a function call (parentheses aside), not of a conversion.
func callArgument(stack []ast.Node) bool {
	i := len(stack) - 2
	for i >= 0 {
		if _, ok := stack[i].(*ast.ParenExpr); !ok {
			break
		}
		i--
	}
	if i < 0 {
		return false
	}
	call, ok := stack[i].(*ast.CallExpr)
	if !ok || isConversion(call.Fun) {
		return false
	}
	for _, a := range call.Args {
		if ast.Unparen(a) == stack[len(stack)-1] || a == stack[i+1] {
			return true
		}
	}
	return false
}

// isConversion recognises conversions to the basic and unsafe types, the
// only ones a uintptr is converted to.
func isConversion(fun ast.Expr) bool {
	switch f := ast.Unparen(fun).(type) {
	case *ast.Ident:
		switch f.Name {
		case "uintptr", "uint64", "int64", "uint32", "int32", "uint", "int":
			return true
		}
	case *ast.SelectorExpr:
		return isSel(f, "unsafe", "Pointer")
	}
	return false
}

// untraced returns why operand x is not known to be heap memory kept alive
// in fn, or "" when it is: x must reach, through indexing, fields or
// dereferences (not the address of a variable itself), a variable assigned
// from HeapBytes or HeapNew in fn, and fn must keep that variable alive.
func untraced(fn *ast.FuncDecl, x ast.Expr) string {
	x = ast.Unparen(x)
	if call, ok := x.(*ast.CallExpr); ok && len(call.Args) == 1 && (isSel(call.Fun, "unsafe", "SliceData") || isSel(call.Fun, "unsafe", "StringData")) {
		x = ast.Unparen(call.Args[0])
	}
	if u, ok := x.(*ast.UnaryExpr); ok && u.Op == token.AND {
		x = ast.Unparen(u.X)
		if _, ok := x.(*ast.Ident); ok {
			return "the address of a variable, which may be on the stack"
		}
	}
	for {
		switch e := x.(type) {
		case *ast.IndexExpr:
			x = ast.Unparen(e.X)
			continue
		case *ast.StarExpr:
			x = ast.Unparen(e.X)
			continue
		case *ast.SelectorExpr:
			// A field of a heap object is heap memory; a field of a
			// local struct variable is the variable's own storage.
			return "the address of a field: allocate the struct with HeapNew and convert the pointer"
		}
		break
	}
	id, ok := x.(*ast.Ident)
	if !ok {
		return "an operand that cannot be traced to HeapBytes or HeapNew"
	}
	fromHeap, alive := false, false
	ast.Inspect(fn.Body, func(n ast.Node) bool {
		switch s := n.(type) {
		case *ast.AssignStmt:
			for i, l := range s.Lhs {
				if isIdent(l, id.Name) && i < len(s.Rhs) && isHeapCall(s.Rhs[i]) {
					fromHeap = true
				}
				// Stored as a pointer in a field: the object holding the
				// field keeps the memory alive as long as it lives.
				if _, field := l.(*ast.SelectorExpr); field && i < len(s.Rhs) && isIdent(s.Rhs[i], id.Name) {
					alive = true
				}
			}
		case *ast.ValueSpec:
			for i, l := range s.Names {
				if l.Name == id.Name && i < len(s.Values) && isHeapCall(s.Values[i]) {
					fromHeap = true
				}
			}
		case *ast.CallExpr:
			if isSel(s.Fun, "runtime", "KeepAlive") && len(s.Args) == 1 && isIdent(s.Args[0], id.Name) {
				alive = true
			}
		}
		return true
	})
	switch {
	case !fromHeap:
		return id.Name + " is not assigned from sys.HeapBytes or sys.HeapNew in this function"
	case !alive:
		return id.Name + " is not kept alive (runtime.KeepAlive) after its address was taken as an integer"
	}
	return ""
}

// isHeapCall recognises HeapBytes(n), HeapNew[T]() and their sys.-qualified
// forms.
func isHeapCall(e ast.Expr) bool {
	c, ok := ast.Unparen(e).(*ast.CallExpr)
	if !ok {
		return false
	}
	fun := c.Fun
	if ix, ok := fun.(*ast.IndexExpr); ok {
		fun = ix.X
	}
	for _, name := range []string{"HeapBytes", "HeapNew"} {
		if isIdent(fun, name) || isSel(fun, "sys", name) {
			return true
		}
	}
	return false
}

func isIdent(e ast.Expr, name string) bool {
	id, ok := ast.Unparen(e).(*ast.Ident)
	return ok && id.Name == name
}

func isSel(e ast.Expr, pkg, name string) bool {
	s, ok := ast.Unparen(e).(*ast.SelectorExpr)
	return ok && s.Sel.Name == name && isIdent(s.X, pkg)
}

func render(fset *token.FileSet, n ast.Node) string {
	var b strings.Builder
	printer.Fprint(&b, fset, n)
	return b.String()
}

// moduleRoot is the directory holding go.mod, above this package.
func moduleRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test's directory")
		}
		dir = parent
	}
}
