package vet

import (
	_ "embed" // the default policy, shared with dsgrade (src/gate/policy.ts)
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"strings"
	"unicode"
)

// GatePolicy is the static gate's policy: what handed-in code may not use
// (Deny) and the exceptions to it (Allow). Every entry is a rule string in one
// of the forms described by ParseGateRule. An allow entry wins over a deny
// entry of the same kind; allow entries that name selectors of a denied import
// admit the import for those selectors only (the default admits syscall's
// signal and error numbers that way).
type GatePolicy struct {
	Deny  []GateRule `json:"deny"`
	Allow []GateRule `json:"allow"`
}

// GateRule is one policy entry with the reason shown to the student.
type GateRule struct {
	Rule string `json:"rule"`
	Why  string `json:"why,omitempty"`
}

// RuleKind says what a rule string matches.
type RuleKind int

const (
	// RuleImport matches an import path ("unsafe") or a subtree ("golang.org/x/sys/...").
	RuleImport RuleKind = iota + 1
	// RuleSelector matches a package-level name used through an import
	// ("os.NewFile", "syscall.SIG[A-Z]*"); the name is a path.Match pattern.
	RuleSelector
	// RuleDirective matches a //go: directive by name ("//go:linkname", "//go:cgo_*").
	RuleDirective
	// RuleCgoDirective matches #cgo lines in the cgo preamble of a file that imports "C".
	RuleCgoDirective
	// RuleFile matches a handed-in file by its base name ("*.s", "*.syso").
	RuleFile
	// RulePath matches constant strings that name a path ("/proc/*/fd"): the
	// path itself or anything below it, each element a path.Match pattern.
	RulePath
)

// parsedRule is a rule string taken apart.
type parsedRule struct {
	kind RuleKind
	text string
	why  string
	// pkg is the import path (RuleImport, RuleSelector); subtree is set for "P/...".
	pkg     string
	subtree bool
	// pattern is the selector name, directive name, file name or path pattern.
	pattern string
	// elems are the path pattern's elements (RulePath).
	elems []string
}

//go:embed gate-default.json
var defaultPolicyJSON []byte

// DefaultGatePolicy returns dsgrade's default policy (gate-default.json).
func DefaultGatePolicy() GatePolicy {
	var p GatePolicy
	if err := json.Unmarshal(defaultPolicyJSON, &p); err != nil {
		panic(fmt.Sprintf("vet: gate-default.json: %v", err))
	}
	return p
}

// ParseGateRule classifies a rule string:
//
//   - "//go:NAME" is a directive; NAME may be a path.Match pattern ("//go:cgo_*").
//   - "#cgo" is a #cgo line in a cgo preamble.
//   - "*.EXT" (any pattern starting with "*.") is a handed-in file's base name.
//   - "/..." (starting with a slash) is a path named by a constant string.
//   - "PKG.Name" is a selector when the part after the last "/" contains a dot
//     and what follows the last dot starts with an upper-case letter or is a
//     pattern ("os.NewFile", "syscall.SIG[A-Z]*", "gopkg.in/yaml.v3.Marshal").
//   - anything else is an import path, "PKG/..." a whole subtree.
func ParseGateRule(rule string) (parsedRule, error) {
	r := parsedRule{text: rule}
	switch {
	case rule == "":
		return r, errors.New("empty rule")
	case strings.ContainsAny(rule, " \t\r\n\""):
		return r, fmt.Errorf("rule %q contains a space or a quote", rule)
	case strings.HasPrefix(rule, "//go:"):
		r.kind, r.pattern = RuleDirective, strings.TrimPrefix(rule, "//go:")
		if r.pattern == "" {
			return r, fmt.Errorf("rule %q names no directive", rule)
		}
	case rule == "#cgo":
		r.kind = RuleCgoDirective
	case strings.HasPrefix(rule, "#"):
		return r, fmt.Errorf("rule %q: the only preamble rule is \"#cgo\"", rule)
	case strings.HasPrefix(rule, "*."):
		r.kind, r.pattern = RuleFile, rule
		if strings.Contains(rule, "/") {
			return r, fmt.Errorf("file rule %q must be a base-name pattern such as \"*.s\"", rule)
		}
	case strings.HasPrefix(rule, "/"):
		r.kind = RulePath
		cleaned := path.Clean(rule)
		if cleaned == "/" {
			return r, fmt.Errorf("path rule %q would match every path", rule)
		}
		r.pattern, r.elems = cleaned, strings.Split(strings.TrimPrefix(cleaned, "/"), "/")
	default:
		r.kind, r.pkg = RuleImport, rule
		if strings.HasSuffix(rule, "/...") {
			r.pkg, r.subtree = strings.TrimSuffix(rule, "/..."), true
		} else if last := rule[strings.LastIndex(rule, "/")+1:]; strings.Contains(last, ".") {
			dot := strings.LastIndex(rule, ".")
			if name := rule[dot+1:]; name != "" && (unicode.IsUpper(rune(name[0])) || strings.ContainsAny(name[:1], "*?[")) {
				r.kind, r.pkg, r.pattern = RuleSelector, rule[:dot], name
			}
		}
		if !validImportPath(r.pkg) {
			return r, fmt.Errorf("rule %q is not an import path, a selector such as \"os.NewFile\" or a subtree such as \"golang.org/x/sys/...\"", rule)
		}
	}
	if r.pattern != "" {
		if _, err := path.Match(r.pattern, "x"); err != nil {
			return r, fmt.Errorf("rule %q: bad pattern: %v", rule, err)
		}
	}
	for _, e := range r.elems {
		if _, err := path.Match(e, "x"); err != nil {
			return r, fmt.Errorf("rule %q: bad pattern: %v", rule, err)
		}
	}
	return r, nil
}

// validImportPath reports whether p can be an import path: non-empty
// elements of letters, digits and the punctuation Go allows ("-._~+").
func validImportPath(p string) bool {
	if p == "" {
		return false
	}
	for _, elem := range strings.Split(p, "/") {
		if elem == "" || elem == "." || elem == ".." || strings.Contains(elem, "...") {
			return false
		}
		for _, c := range elem {
			if !(unicode.IsLetter(c) || unicode.IsDigit(c) || strings.ContainsRune("-._~+", c)) {
				return false
			}
		}
	}
	return true
}

// compiledPolicy is a GatePolicy with every rule parsed.
type compiledPolicy struct {
	deny, allow []parsedRule
}

// compilePolicy parses every rule; the first bad rule is an error.
func compilePolicy(p GatePolicy) (compiledPolicy, error) {
	var c compiledPolicy
	for _, list := range []struct {
		in  []GateRule
		out *[]parsedRule
		key string
	}{{p.Deny, &c.deny, "deny"}, {p.Allow, &c.allow, "allow"}} {
		for i, g := range list.in {
			r, err := ParseGateRule(g.Rule)
			if err != nil {
				return c, fmt.Errorf("gate.%s[%d]: %w", list.key, i, err)
			}
			r.why = g.Why
			*list.out = append(*list.out, r)
		}
	}
	return c, nil
}

// matchImport reports whether an import rule matches the import path p.
func (r parsedRule) matchImport(p string) bool {
	return r.kind == RuleImport && (p == r.pkg || (r.subtree && strings.HasPrefix(p, r.pkg+"/")))
}

// matchSelector reports whether a selector rule matches name used through the import path p.
func (r parsedRule) matchSelector(p, name string) bool {
	if r.kind != RuleSelector || r.pkg != p {
		return false
	}
	ok, _ := path.Match(r.pattern, name)
	return ok
}

// matchName reports whether a directive or file rule matches name.
func (r parsedRule) matchName(kind RuleKind, name string) bool {
	if r.kind != kind {
		return false
	}
	ok, _ := path.Match(r.pattern, name)
	return ok
}

// matchPath reports whether a path rule matches the cleaned absolute path p:
// p is the rule's path or lies below it.
func (r parsedRule) matchPath(p string) bool {
	if r.kind != RulePath {
		return false
	}
	elems := strings.Split(strings.TrimPrefix(p, "/"), "/")
	if len(elems) < len(r.elems) {
		return false
	}
	for i, pat := range r.elems {
		if ok, _ := path.Match(pat, elems[i]); !ok {
			return false
		}
	}
	return true
}

// first returns the first rule of list for which match holds.
func first(list []parsedRule, match func(parsedRule) bool) (parsedRule, bool) {
	for _, r := range list {
		if match(r) {
			return r, true
		}
	}
	return parsedRule{}, false
}

// denied returns the deny rule that matches and no allow rule cancels.
func (c compiledPolicy) denied(match func(parsedRule) bool) (parsedRule, bool) {
	r, ok := first(c.deny, match)
	if !ok {
		return r, false
	}
	if _, allowed := first(c.allow, match); allowed {
		return r, false
	}
	return r, true
}
