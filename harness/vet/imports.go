package vet

import (
	"go/ast"
	"go/token"
	"strconv"
)

// collectImports returns every import spec in file, including specs inside
// grouped import declarations and the cgo pseudo-package "C", in source order.
func collectImports(fset *token.FileSet, file *ast.File) []Import {
	var out []Import
	for _, spec := range file.Imports {
		if spec.Path == nil {
			continue
		}
		path, err := strconv.Unquote(spec.Path.Value)
		if err != nil {
			path = spec.Path.Value
		}
		imp := Import{Path: path}
		imp.Line, _ = position(fset, spec.Path.Pos())
		if spec.Name != nil {
			imp.Name = spec.Name.Name
		}
		out = append(out, imp)
	}
	return out
}
