package vet

import (
	"go/ast"
	"go/token"
	"path"
	"sort"
	"strconv"
	"strings"
	"unicode"
)

// maxGateFindings caps the findings reported per file; the rest are counted.
const maxGateFindings = 20

// maxConstString caps the length of a constant string the gate evaluates; a
// longer concatenation is checked piece by piece instead. Denied paths are
// short, and padding a constant past the cap gains nothing that a string
// built at run time would not (docs/security.md).
const maxConstString = 4096

// maxConstDepth bounds the recursion of the string constant evaluator.
const maxConstDepth = 1000

// GateResult is the static gate's verdict on one handed-in file.
type GateResult struct {
	// Checked is false when the gate could not look at the file: a .go file
	// that does not parse, cannot be read or is too large. The grader must then
	// not run the submission (the file's error is in ParseError or Error).
	Checked bool `json:"checked"`
	// Findings lists every use of something the policy denies, in source order.
	Findings []GateFinding `json:"findings,omitempty"`
	// Omitted counts findings beyond the first maxGateFindings.
	Omitted int `json:"omitted,omitempty"`
}

// GateFinding is one use of something the policy denies.
type GateFinding struct {
	// Line is the 1-based line (ignoring //line directives); 0 means the file as a whole.
	Line int `json:"line,omitempty"`
	// Rule is the policy entry that refuses it, e.g. "C", "os.NewFile", "*.s".
	Rule string `json:"rule"`
	// What names the construct as written, e.g. `import "C" (cgo)`, "syscall.Read".
	What string `json:"what"`
	// Why is the rule's reason, for the student.
	Why string `json:"why,omitempty"`
}

// parsedSource is a file that parsed, kept for the gate's pass over all files.
type parsedSource struct {
	display string
	fset    *token.FileSet
	file    *ast.File
}

// gateFiles runs the gate over every file of a request. reports and parsed
// are index-aligned with the request's files; parsed[i] is nil when file i
// did not parse (or is not Go). Constants are resolved across the files of one
// package (same folder and package name), the way the compiler sees them.
func gateFiles(policy compiledPolicy, reports []FileReport, parsed []*parsedSource) {
	pkgs := make(map[string]*constTable)
	for _, p := range parsed {
		if p == nil {
			continue
		}
		key := path.Dir(p.display) + "\x00" + p.file.Name.Name
		if pkgs[key] == nil {
			pkgs[key] = newConstTable()
		}
		pkgs[key].addFile(p.file)
	}
	for i := range reports {
		var table *constTable
		if p := parsed[i]; p != nil {
			table = pkgs[path.Dir(p.display)+"\x00"+p.file.Name.Name]
		}
		reports[i].Gate = gateOne(policy, reports[i], parsed[i], table)
	}
}

// gateOne decides one file: its name first, then (for Go files) its contents.
func gateOne(policy compiledPolicy, rep FileReport, p *parsedSource, table *constTable) *GateResult {
	res := &GateResult{Checked: true}
	g := &gateFile{policy: policy, res: res}
	base := path.Base(rep.Display)
	if r, ok := policy.denied(func(r parsedRule) bool { return r.matchName(RuleFile, base) }); ok {
		g.add(0, r, "a "+fileKind(base)+" file in the handin")
	}
	if !strings.HasSuffix(base, ".go") {
		return g.done()
	}
	if p == nil {
		// Unreadable, too large or not parsable: the gate cannot vouch for it.
		res.Checked = false
		return g.done()
	}
	g.fset, g.file, g.consts = p.fset, p.file, table
	g.imports()
	g.directives()
	g.strings()
	return g.done()
}

// fileKind names a file by its extension for messages ("a .s file").
func fileKind(base string) string {
	if ext := path.Ext(base); ext != "" {
		return ext
	}
	return base
}

// gateFile collects the findings of one file.
type gateFile struct {
	policy compiledPolicy
	res    *GateResult
	fset   *token.FileSet
	file   *ast.File
	consts *constTable
	// watched maps a package name used in this file to the import paths it may
	// stand for, for imports whose selectors are restricted or partly denied.
	watched map[string][]watchedImport
}

// watchedImport is an import whose selectors the gate checks one by one.
type watchedImport struct {
	path string
	// restricted: the import itself is denied and only allowed selectors may be used.
	restricted bool
	rule       parsedRule
}

func (g *gateFile) add(line int, r parsedRule, what string) {
	if len(g.res.Findings) >= maxGateFindings {
		g.res.Omitted++
		return
	}
	g.res.Findings = append(g.res.Findings, GateFinding{Line: line, Rule: r.text, What: what, Why: r.why})
}

func (g *gateFile) done() *GateResult {
	sort.SliceStable(g.res.Findings, func(i, j int) bool { return g.res.Findings[i].Line < g.res.Findings[j].Line })
	return g.res
}

func (g *gateFile) line(pos token.Pos) int {
	l, _ := position(g.fset, pos)
	return l
}

// imports checks every import spec by its parsed path, so aliases, dot and
// blank imports, grouped imports and comments such as import/**/"C" change
// nothing, and registers the imports whose selectors must be checked.
func (g *gateFile) imports() {
	g.watched = make(map[string][]watchedImport)
	for _, spec := range g.file.Imports {
		p, err := strconv.Unquote(spec.Path.Value)
		if err != nil {
			p = spec.Path.Value
		}
		name := ""
		if spec.Name != nil {
			name = spec.Name.Name
		}
		line := g.line(spec.Path.Pos())
		what := "import " + strconv.Quote(p)
		if p == "C" {
			what += " (cgo)"
		}
		hasSelector := func(list []parsedRule) (parsedRule, bool) {
			return first(list, func(r parsedRule) bool { return r.kind == RuleSelector && r.pkg == p })
		}
		if rule, denied := g.policy.denied(func(r parsedRule) bool { return r.matchImport(p) }); denied {
			if _, some := hasSelector(g.policy.allow); !some || name == "_" || name == "." {
				g.add(line, rule, what)
				continue
			}
			g.watch(p, name, watchedImport{path: p, restricted: true, rule: rule})
			continue
		}
		if rule, some := hasSelector(g.policy.deny); some {
			if name == "." {
				g.add(line, rule, what+` as a dot import (it hides which of the package's names are used; import it by name)`)
				continue
			}
			if name != "_" {
				g.watch(p, name, watchedImport{path: p, rule: rule})
			}
		}
	}
	if len(g.watched) == 0 {
		return
	}
	ast.Inspect(g.file, func(n ast.Node) bool {
		sel, ok := n.(*ast.SelectorExpr)
		if !ok {
			return true
		}
		id, ok := sel.X.(*ast.Ident)
		if !ok {
			return true
		}
		for _, w := range g.watched[id.Name] {
			name := sel.Sel.Name
			what := w.path + "." + name
			if w.restricted {
				if _, allowed := first(g.policy.allow, func(r parsedRule) bool { return r.matchSelector(w.path, name) }); !allowed {
					g.add(g.line(sel.Pos()), w.rule, what)
				}
				continue
			}
			if rule, denied := g.policy.denied(func(r parsedRule) bool { return r.matchSelector(w.path, name) }); denied {
				g.add(g.line(sel.Pos()), rule, what)
			}
		}
		return true
	})
}

// watch registers an import under every name it can be used by in this file.
func (g *gateFile) watch(p, name string, w watchedImport) {
	names := []string{name}
	if name == "" {
		names = defaultImportNames(p)
	}
	seen := map[string]bool{}
	for _, n := range names {
		if !seen[n] {
			seen[n] = true
			g.watched[n] = append(g.watched[n], w)
		}
	}
}

// defaultImportNames are the names an import without an explicit name may
// bind. The real name is the imported package's own clause, unknown without
// type checking, so every plausible candidate is watched: the last path
// element, without a major-version element ("math/rand/v2" binds rand) or a
// ".vN" suffix ("gopkg.in/yaml.v3" binds yaml), and without "go-"/"-go".
func defaultImportNames(p string) []string {
	elems := strings.Split(p, "/")
	last := elems[len(elems)-1]
	cands := []string{last}
	if len(elems) > 1 && isMajorVersion(last) {
		cands = append(cands, elems[len(elems)-2])
	}
	for _, c := range append([]string(nil), cands...) {
		if i := strings.Index(c, "."); i > 0 {
			cands = append(cands, c[:i])
		}
		cands = append(cands, strings.TrimPrefix(strings.TrimSuffix(c, "-go"), "go-"))
		cands = append(cands, strings.ReplaceAll(c, "-", "_"))
	}
	return cands
}

func isMajorVersion(s string) bool {
	if len(s) < 2 || s[0] != 'v' {
		return false
	}
	_, err := strconv.Atoi(s[1:])
	return err == nil
}

// directives checks every //go: line comment anywhere in the file (the Go
// spec's directives are line comments; /*go:...*/ is not one), and the #cgo
// lines of a file that imports "C".
func (g *gateFile) directives() {
	usesCgo := false
	for _, spec := range g.file.Imports {
		if p, _ := strconv.Unquote(spec.Path.Value); p == "C" {
			usesCgo = true
		}
	}
	for _, group := range g.file.Comments {
		for _, c := range group.List {
			if strings.HasPrefix(c.Text, "//go:") {
				// The name is the run of identifier characters: whatever ends it
				// (space, tab, \v, \r, punctuation) the directive is still seen.
				name := strings.TrimPrefix(c.Text, "//go:")
				if i := strings.IndexFunc(name, func(r rune) bool { return !(r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r)) }); i >= 0 {
					name = name[:i]
				}
				if rule, denied := g.policy.denied(func(r parsedRule) bool { return r.matchName(RuleDirective, name) }); denied {
					g.add(g.line(c.Pos()), rule, "a //go:"+name+" directive")
				}
			}
			if usesCgo {
				g.cgoLines(c)
			}
		}
	}
}

// cgoLines reports the #cgo lines of one comment (a cgo preamble line).
func (g *gateFile) cgoLines(c *ast.Comment) {
	rule, denied := g.policy.denied(func(r parsedRule) bool { return r.kind == RuleCgoDirective })
	if !denied {
		return
	}
	body := c.Text
	if strings.HasPrefix(body, "//") {
		body = body[2:]
	} else {
		body = strings.TrimSuffix(strings.TrimPrefix(body, "/*"), "*/")
	}
	for i, l := range strings.Split(body, "\n") {
		if t := strings.TrimSpace(l); strings.HasPrefix(t, "#cgo") {
			g.add(g.line(c.Pos())+i, rule, "a #cgo line in the cgo preamble")
		}
	}
}

// strings checks every constant string expression (literals, concatenations
// of constants, constants of the package, path.Join/filepath.Join of
// constants) for a path the policy denies. Strings built at run time are not
// seen: docs/security.md says why the descriptors stay closed to them.
func (g *gateFile) strings() {
	if _, some := first(g.policy.deny, func(r parsedRule) bool { return r.kind == RulePath }); !some {
		return
	}
	joins := map[string]bool{}
	for _, spec := range g.file.Imports {
		p, _ := strconv.Unquote(spec.Path.Value)
		if p != "path" && p != "path/filepath" {
			continue
		}
		name := path.Base(p)
		if spec.Name != nil {
			name = spec.Name.Name
		}
		joins[name] = true
	}
	ev := newStringEval(g.file, g.consts, joins)
	ast.Inspect(g.file, func(n ast.Node) bool {
		switch n.(type) {
		case *ast.ImportSpec:
			return false
		case *ast.BasicLit, *ast.BinaryExpr, *ast.CallExpr, *ast.ParenExpr:
			s, ok := ev.eval(n.(ast.Expr), 0)
			if !ok {
				return true
			}
			g.checkPaths(n.Pos(), s)
			return false
		}
		return true
	})
}

// checkPaths reports the first denied path named in the constant string s.
func (g *gateFile) checkPaths(pos token.Pos, s string) {
	for _, cand := range pathsIn(s) {
		if rule, denied := g.policy.denied(func(r parsedRule) bool { return r.matchPath(cand) }); denied {
			g.add(g.line(pos), rule, "the path "+strconv.Quote(truncate(cand, 80)))
			return
		}
	}
}

// pathsIn returns every path named in s: each run of characters between
// separators (space, quote, "=", ":" ...) that contains a slash, cleaned and
// taken as absolute ("/proc//self/./fd/3" and "../../../proc/self/fd/3" are
// both "/proc/self/fd/3": enough ".." elements reach the root from any
// working folder, and a relative path may be opened after os.Chdir("/")).
func pathsIn(s string) []string {
	var out []string
	for _, tok := range strings.FieldsFunc(s, func(r rune) bool { return r < 0x80 && isPathSeparator(byte(r)) }) {
		if strings.Contains(tok, "/") {
			out = append(out, path.Clean("/"+tok))
		}
	}
	return out
}

func isPathSeparator(b byte) bool {
	switch b {
	case ' ', '\t', '\n', '\r', '\v', '\f', 0, '"', '\'', '`', ':', ';', ',', '=', '<', '>', '|', '&', '(', ')', '[', ']', '{', '}':
		return true
	}
	return false
}

// constTable holds the package-level constants of one package's files, for
// identifiers a file uses but does not declare.
type constTable struct {
	byName map[string]constDef
}

// constDef is one constant: its declaring name, its effective value (after
// implicit repetition in a const block) and the file it lives in.
type constDef struct {
	name  *ast.Ident
	file  *ast.File
	value ast.Expr
}

func newConstTable() *constTable { return &constTable{byName: make(map[string]constDef)} }

// addFile indexes the constants of file: package-level ones by name, and
// every spec's effective values for the parser-resolved references.
func (t *constTable) addFile(file *ast.File) {
	for _, decl := range file.Decls {
		gd, ok := decl.(*ast.GenDecl)
		if !ok || gd.Tok != token.CONST {
			continue
		}
		forEachConst(gd, func(name *ast.Ident, value ast.Expr) {
			t.byName[name.Name] = constDef{name: name, file: file, value: value}
		})
	}
}

// forEachConst calls fn for every name of a const declaration with its
// effective value expression (a spec without values repeats the previous one).
func forEachConst(gd *ast.GenDecl, fn func(name *ast.Ident, value ast.Expr)) {
	var prev []ast.Expr
	for _, spec := range gd.Specs {
		vs, ok := spec.(*ast.ValueSpec)
		if !ok {
			continue
		}
		values := vs.Values
		if len(values) == 0 && vs.Type == nil {
			values = prev
		} else {
			prev = values
		}
		for i, name := range vs.Names {
			if i < len(values) {
				fn(name, values[i])
			}
		}
	}
}

// memoString is a cached evaluation.
type memoString struct {
	s  string
	ok bool
}

// stringEval evaluates constant string expressions. Every expression node and
// every constant is evaluated at most once (results, failures included, are
// cached), so hostile chains of concatenations cost linear time.
type stringEval struct {
	table *constTable
	joins map[string]bool
	// local maps the declaring name of every constant of this file (local
	// ones too) to its effective value, for parser-resolved references.
	local  map[*ast.Ident]ast.Expr
	nodes  map[ast.Expr]memoString
	consts map[*ast.Ident]memoString
	active map[*ast.Ident]bool
}

func newStringEval(file *ast.File, table *constTable, joins map[string]bool) *stringEval {
	ev := &stringEval{
		table:  table,
		joins:  joins,
		local:  make(map[*ast.Ident]ast.Expr),
		nodes:  make(map[ast.Expr]memoString),
		consts: make(map[*ast.Ident]memoString),
		active: make(map[*ast.Ident]bool),
	}
	ast.Inspect(file, func(n ast.Node) bool {
		if gd, ok := n.(*ast.GenDecl); ok && gd.Tok == token.CONST {
			forEachConst(gd, func(name *ast.Ident, value ast.Expr) { ev.local[name] = value })
		}
		return true
	})
	return ev
}

// eval returns the value of e when it is a constant string expression of at
// most maxConstString bytes.
func (ev *stringEval) eval(e ast.Expr, depth int) (string, bool) {
	if m, ok := ev.nodes[e]; ok {
		return m.s, m.ok
	}
	s, ok := ev.evalNode(e, depth)
	ev.nodes[e] = memoString{s, ok}
	return s, ok
}

func (ev *stringEval) evalNode(e ast.Expr, depth int) (string, bool) {
	if depth > maxConstDepth {
		return "", false
	}
	switch x := e.(type) {
	case *ast.BasicLit:
		if x.Kind != token.STRING {
			return "", false
		}
		s, err := strconv.Unquote(x.Value)
		return s, err == nil && len(s) <= maxConstString
	case *ast.ParenExpr:
		return ev.eval(x.X, depth+1)
	case *ast.BinaryExpr:
		if x.Op != token.ADD {
			return "", false
		}
		a, ok := ev.eval(x.X, depth+1)
		if !ok {
			return "", false
		}
		b, ok := ev.eval(x.Y, depth+1)
		if !ok || len(a)+len(b) > maxConstString {
			return "", false
		}
		return a + b, true
	case *ast.Ident:
		return ev.ident(x, depth)
	case *ast.CallExpr:
		return ev.call(x, depth)
	}
	return "", false
}

// call evaluates string(c) and path.Join / filepath.Join of constants.
func (ev *stringEval) call(x *ast.CallExpr, depth int) (string, bool) {
	if x.Ellipsis.IsValid() {
		return "", false
	}
	if id, ok := x.Fun.(*ast.Ident); ok && id.Name == "string" && id.Obj == nil && len(x.Args) == 1 {
		return ev.eval(x.Args[0], depth+1)
	}
	sel, ok := x.Fun.(*ast.SelectorExpr)
	if !ok || sel.Sel.Name != "Join" {
		return "", false
	}
	if pkg, ok := sel.X.(*ast.Ident); !ok || !ev.joins[pkg.Name] {
		return "", false
	}
	parts := make([]string, 0, len(x.Args))
	total := 0
	for _, a := range x.Args {
		s, ok := ev.eval(a, depth+1)
		if !ok {
			return "", false
		}
		if total += len(s); total > maxConstString {
			return "", false
		}
		parts = append(parts, s)
	}
	return path.Join(parts...), true
}

// ident evaluates a reference to a string constant: one the parser resolved
// in this file, or a package-level constant of another file of the package.
func (ev *stringEval) ident(id *ast.Ident, depth int) (string, bool) {
	var decl *ast.Ident
	var value ast.Expr
	if id.Obj != nil {
		if id.Obj.Kind != ast.Con {
			return "", false
		}
		vs, ok := id.Obj.Decl.(*ast.ValueSpec)
		if !ok {
			return "", false
		}
		for _, n := range vs.Names {
			if n.Name == id.Name {
				decl, value = n, ev.local[n]
			}
		}
	} else if ev.table != nil {
		def, ok := ev.table.byName[id.Name]
		if !ok {
			return "", false
		}
		decl, value = def.name, def.value
	}
	if decl == nil || value == nil || ev.active[decl] {
		return "", false
	}
	if m, ok := ev.consts[decl]; ok {
		return m.s, m.ok
	}
	ev.active[decl] = true
	s, ok := ev.eval(value, depth+1)
	delete(ev.active, decl)
	ev.consts[decl] = memoString{s, ok}
	return s, ok
}
