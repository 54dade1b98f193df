package vet

import (
	"go/ast"
	"go/token"
	"math/big"
	"strconv"
)

// maxEvalDepth bounds the recursion of the constant evaluator so that deeply
// nested expressions are reported as non-constant rather than exhausting the
// stack.
const maxEvalDepth = 10000

// maxShift bounds the shift counts the evaluator accepts.
const maxShift = 62

// maxLiteralLen bounds the length of integer literals the evaluator parses.
const maxLiteralLen = 400

// maxBits bounds the size of intermediate values so that hostile constant
// chains such as a1 = a0*a0, a2 = a1*a1, ... cannot exhaust memory.
const maxBits = 256

// constEnv evaluates integer constant expressions built from literals and
// constant declarations in a single file.
type constEnv struct {
	// specs records, for every constant spec in the file, the value
	// expressions it uses (after implicit repetition) and its iota.
	specs map[*ast.ValueSpec]constSpec
	// topLevel maps package-level constant names to their specs; it is the
	// fallback for identifiers the parser did not resolve.
	topLevel map[string]*ast.ValueSpec
	// active holds the constants currently being evaluated, to break cycles.
	active map[*ast.Ident]bool
	// memo caches the value of every constant already evaluated, so that
	// constants referring to each other many times are evaluated only once.
	memo map[*ast.Ident]memoEntry
	// depthExceeded records that some evaluation hit maxEvalDepth.
	depthExceeded bool
}

// memoEntry is a cached evaluation result; ok is false for non-constants.
type memoEntry struct {
	value *big.Int
	ok    bool
}

// constSpec is the effective definition of one constant spec.
type constSpec struct {
	names  []*ast.Ident
	values []ast.Expr
	iota   int64
}

// newConstEnv indexes every constant declaration in file, at package level
// and inside functions.
func newConstEnv(file *ast.File) *constEnv {
	env := &constEnv{
		specs:    make(map[*ast.ValueSpec]constSpec),
		topLevel: make(map[string]*ast.ValueSpec),
		active:   make(map[*ast.Ident]bool),
		memo:     make(map[*ast.Ident]memoEntry),
	}
	ast.Inspect(file, func(n ast.Node) bool {
		gd, ok := n.(*ast.GenDecl)
		if !ok || gd.Tok != token.CONST {
			return true
		}
		var prev []ast.Expr
		for i, spec := range gd.Specs {
			vs, ok := spec.(*ast.ValueSpec)
			if !ok {
				continue
			}
			values := vs.Values
			if len(values) == 0 && vs.Type == nil {
				// Implicit repetition of the previous expression list.
				values = prev
			} else {
				prev = values
			}
			env.specs[vs] = constSpec{names: vs.Names, values: values, iota: int64(i)}
		}
		return true
	})
	for _, decl := range file.Decls {
		gd, ok := decl.(*ast.GenDecl)
		if !ok || gd.Tok != token.CONST {
			continue
		}
		for _, spec := range gd.Specs {
			if vs, ok := spec.(*ast.ValueSpec); ok {
				for _, name := range vs.Names {
					env.topLevel[name.Name] = vs
				}
			}
		}
	}
	return env
}

// eval returns the value of expr when it is an integer constant expression
// that fits in an int64.
func (env *constEnv) eval(expr ast.Expr) (int64, bool) {
	env.depthExceeded = false
	v, ok := env.evalBig(expr, 0, -1)
	if !ok || !v.IsInt64() {
		return 0, false
	}
	return v.Int64(), true
}

// evalBig evaluates expr with arbitrary precision. iota is the value of the
// predeclared iota inside the constant spec being evaluated, or -1 outside one.
func (env *constEnv) evalBig(expr ast.Expr, depth int, iota int64) (*big.Int, bool) {
	if depth > maxEvalDepth {
		env.depthExceeded = true
		return nil, false
	}
	switch e := unparen(expr).(type) {
	case *ast.BasicLit:
		return evalLiteral(e)
	case *ast.Ident:
		return env.evalIdent(e, depth, iota)
	case *ast.UnaryExpr:
		x, ok := env.evalBig(e.X, depth+1, iota)
		if !ok {
			return nil, false
		}
		switch e.Op {
		case token.ADD:
			return x, true
		case token.SUB:
			return new(big.Int).Neg(x), true
		}
		return nil, false
	case *ast.BinaryExpr:
		x, ok := env.evalBig(e.X, depth+1, iota)
		if !ok {
			return nil, false
		}
		y, ok := env.evalBig(e.Y, depth+1, iota)
		if !ok {
			return nil, false
		}
		return binaryOp(e.Op, x, y)
	case *ast.CallExpr:
		// A conversion to a predeclared integer type, such as int(4).
		id, ok := unparen(e.Fun).(*ast.Ident)
		if !ok || id.Obj != nil || !isIntegerTypeName(id.Name) || len(e.Args) != 1 || e.Ellipsis.IsValid() {
			return nil, false
		}
		return env.evalBig(e.Args[0], depth+1, iota)
	}
	return nil, false
}

// evalIdent evaluates a reference to iota or to a constant declared in the file.
func (env *constEnv) evalIdent(id *ast.Ident, depth int, iota int64) (*big.Int, bool) {
	var vs *ast.ValueSpec
	if id.Obj != nil {
		if id.Obj.Kind != ast.Con {
			return nil, false
		}
		vs, _ = id.Obj.Decl.(*ast.ValueSpec)
	} else {
		if id.Name == "iota" {
			if iota < 0 {
				return nil, false
			}
			return big.NewInt(iota), true
		}
		vs = env.topLevel[id.Name]
	}
	if vs == nil {
		return nil, false
	}
	spec, ok := env.specs[vs]
	if !ok {
		return nil, false
	}
	for i, name := range spec.names {
		if name.Name != id.Name || i >= len(spec.values) {
			continue
		}
		if m, done := env.memo[name]; done {
			return m.value, m.ok
		}
		if env.active[name] {
			return nil, false // A cyclic definition, which the compiler rejects.
		}
		env.active[name] = true
		v, ok := env.evalBig(spec.values[i], depth+1, spec.iota)
		delete(env.active, name)
		// Failures caused by the depth limit depend on where the constant was
		// referenced from, so they are not cached.
		if ok || !env.depthExceeded {
			env.memo[name] = memoEntry{value: v, ok: ok}
		}
		return v, ok
	}
	return nil, false
}

// evalLiteral evaluates an integer or rune literal.
func evalLiteral(lit *ast.BasicLit) (*big.Int, bool) {
	switch lit.Kind {
	case token.INT:
		if len(lit.Value) > maxLiteralLen {
			return nil, false // Far too large for maxBits; avoid slow parsing.
		}
		v, ok := new(big.Int).SetString(lit.Value, 0)
		return v, ok
	case token.CHAR:
		s, err := strconv.Unquote(lit.Value)
		if err != nil {
			return nil, false
		}
		r := []rune(s)
		if len(r) != 1 {
			return nil, false
		}
		return big.NewInt(int64(r[0])), true
	}
	return nil, false
}

// binaryOp applies an integer operator, reporting false for operators it does
// not support, for division by zero or oversized shifts, and for results
// larger than maxBits bits.
func binaryOp(op token.Token, x, y *big.Int) (*big.Int, bool) {
	z, ok := applyOp(op, x, y)
	if !ok || z.BitLen() > maxBits {
		return nil, false
	}
	return z, true
}

// applyOp applies an integer operator without any size check.
func applyOp(op token.Token, x, y *big.Int) (*big.Int, bool) {
	z := new(big.Int)
	switch op {
	case token.ADD:
		return z.Add(x, y), true
	case token.SUB:
		return z.Sub(x, y), true
	case token.MUL:
		return z.Mul(x, y), true
	case token.QUO:
		if y.Sign() == 0 {
			return nil, false
		}
		return z.Quo(x, y), true
	case token.REM:
		if y.Sign() == 0 {
			return nil, false
		}
		return z.Rem(x, y), true
	case token.SHL, token.SHR:
		if !y.IsInt64() || y.Int64() < 0 || y.Int64() > maxShift {
			return nil, false
		}
		if op == token.SHL {
			return z.Lsh(x, uint(y.Int64())), true
		}
		return z.Rsh(x, uint(y.Int64())), true
	}
	return nil, false
}

// isIntegerTypeName reports whether name is a predeclared integer type.
func isIntegerTypeName(name string) bool {
	switch name {
	case "int", "int8", "int16", "int32", "int64",
		"uint", "uint8", "uint16", "uint32", "uint64", "uintptr", "byte", "rune":
		return true
	}
	return false
}
