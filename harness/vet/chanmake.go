package vet

import (
	"go/ast"
	"go/token"
)

// maxTypeChain bounds how many named-type indirections are followed when
// deciding whether a named type is a channel type.
const maxTypeChain = 64

// maxSourceText caps the length of source snippets copied into a reply.
const maxSourceText = 256

// collectChanMakes finds every call of the builtin make that creates a
// channel, including calls inside function literals and generic functions,
// and calls whose type argument is a named type declared in the same file
// whose underlying type is a channel type.
func collectChanMakes(fset *token.FileSet, file *ast.File, src []byte) []ChanMake {
	env := newConstEnv(file)
	types := topLevelTypes(file)
	var out []ChanMake
	ast.Inspect(file, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok || len(call.Args) == 0 || !isBuiltinMake(call.Fun) {
			return true
		}
		ch := chanTypeOf(call.Args[0], types)
		if ch == nil {
			return true
		}
		cm := ChanMake{
			Type: sourceText(fset, src, call.Args[0], maxSourceText),
			Dir:  chanDir(ch),
		}
		cm.Line, cm.Column = position(fset, call.Pos())
		if len(call.Args) < 2 {
			cm.Buffer = "0"
			cm.Constant = true
			zero := int64(0)
			cm.Value = &zero
		} else {
			cm.Buffer = sourceText(fset, src, call.Args[1], maxSourceText)
			if v, ok := env.eval(call.Args[1]); ok {
				cm.Constant = true
				cm.Value = &v
			}
		}
		out = append(out, cm)
		return true
	})
	return out
}

// isBuiltinMake reports whether fun refers to the builtin make, i.e. the
// identifier make (possibly parenthesised) that is not bound to a declaration
// in the file.
func isBuiltinMake(fun ast.Expr) bool {
	id, ok := unparen(fun).(*ast.Ident)
	return ok && id.Name == "make" && id.Obj == nil
}

// topLevelTypes maps the names of package-level type declarations to their
// specs. It is the fallback used for identifiers the parser did not resolve.
func topLevelTypes(file *ast.File) map[string]*ast.TypeSpec {
	types := make(map[string]*ast.TypeSpec)
	for _, decl := range file.Decls {
		gd, ok := decl.(*ast.GenDecl)
		if !ok || gd.Tok != token.TYPE {
			continue
		}
		for _, spec := range gd.Specs {
			if ts, ok := spec.(*ast.TypeSpec); ok && ts.Name != nil {
				types[ts.Name.Name] = ts
			}
		}
	}
	return types
}

// chanTypeOf returns the channel type that expr denotes, following named
// types (including instantiations of generic named types) declared in the
// same file. It returns nil when expr is not known to be a channel type.
func chanTypeOf(expr ast.Expr, types map[string]*ast.TypeSpec) *ast.ChanType {
	for i := 0; i < maxTypeChain; i++ {
		expr = unparen(expr)
		switch e := expr.(type) {
		case *ast.ChanType:
			return e
		case *ast.IndexExpr:
			expr = e.X
		case *ast.IndexListExpr:
			expr = e.X
		case *ast.Ident:
			ts := lookupType(e, types)
			if ts == nil {
				return nil
			}
			expr = ts.Type
		default:
			return nil
		}
	}
	return nil
}

// lookupType finds the type declaration that id refers to. It prefers the
// parser's resolution, which accounts for local type declarations and
// shadowing, and falls back to package-level declarations by name.
func lookupType(id *ast.Ident, types map[string]*ast.TypeSpec) *ast.TypeSpec {
	if id.Obj != nil {
		if id.Obj.Kind != ast.Typ {
			return nil
		}
		ts, _ := id.Obj.Decl.(*ast.TypeSpec)
		return ts
	}
	return types[id.Name]
}

// chanDir names the direction of a channel type.
func chanDir(ch *ast.ChanType) string {
	switch ch.Dir {
	case ast.SEND:
		return "send"
	case ast.RECV:
		return "recv"
	default:
		return "both"
	}
}

// unparen strips any number of enclosing parentheses from expr.
func unparen(expr ast.Expr) ast.Expr {
	for {
		p, ok := expr.(*ast.ParenExpr)
		if !ok {
			return expr
		}
		expr = p.X
	}
}
