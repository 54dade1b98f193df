package faultnet

// PartitionSpec describes a network partition over named nodes. The shapes
// follow Jepsen's grudges; the node order given is the order used to cut,
// so a caller that wants a random cut shuffles the nodes with its seed.
type PartitionSpec struct {
	// Shape is one of "isolate", "halves", "majoritiesRing", "bridge", "groups".
	Shape string `json:"shape"`
	// Nodes lists the nodes taking part; links touching other nodes are not affected.
	Nodes []string `json:"nodes,omitempty"`
	// Node is the node cut off by "isolate".
	Node string `json:"node,omitempty"`
	// Groups are the components for "groups"; nodes in different groups cannot talk.
	Groups [][]string `json:"groups,omitempty"`
	// OneWay blocks only messages from an earlier component to a later one
	// (for "isolate": only the isolated node's outgoing messages).
	OneWay bool `json:"oneWay,omitempty"`
	// TCP is "stall" (default: hold bytes, keep connections) or "reset"
	// (abort blocked connections with an RST).
	TCP string `json:"tcp,omitempty"`
}

// PartitionResult reports the partition now in force.
type PartitionResult struct {
	// Blocked lists the blocked directed node pairs as [from, to], sorted.
	Blocked [][2]string `json:"blocked"`
	// Directions is the number of link directions blocked (or, for heal, unblocked).
	Directions int `json:"directions"`
	// AtNs is the instant the change took effect, in ns since the proxy
	// started (Proxy.Now): a message decided before it was stamped before it
	// (DirStats.LastSentNs); nothing passes a blocked direction after it, and
	// what passes an open direction after it is stamped after it.
	AtNs int64 `json:"atNs"`
}

// Partition replaces the current partition with the one described by spec
// and returns once it is in force. The spec is validated completely before
// anything changes.
func (p *Proxy) Partition(spec PartitionSpec) (PartitionResult, error) {
	g, err := grudgeFor(spec)
	if err != nil {
		return PartitionResult{}, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	n, at := p.setGrudge(g, spec.TCP == "reset")
	return PartitionResult{Blocked: p.blockedPairs(), Directions: n, AtNs: at}, nil
}

// grudgeFor computes the set of blocked directed pairs for spec.
func grudgeFor(spec PartitionSpec) (map[pair]bool, error) {
	if spec.TCP != "" && spec.TCP != "stall" && spec.TCP != "reset" {
		return nil, errf(CodeInvalid, "partition tcp must be \"stall\" or \"reset\", got %q", spec.TCP)
	}
	if spec.Shape != "groups" {
		if err := checkNodes(spec.Nodes, "nodes"); err != nil {
			return nil, err
		}
	}
	n := len(spec.Nodes)
	need := func(min int) error {
		if n < min {
			return errf(CodeInvalid, "partition %s needs at least %d nodes, got %d", spec.Shape, min, n)
		}
		return nil
	}
	switch spec.Shape {
	case "isolate":
		if err := need(2); err != nil {
			return nil, err
		}
		rest := make([]string, 0, n-1)
		found := false
		for _, x := range spec.Nodes {
			if x == spec.Node {
				found = true
			} else {
				rest = append(rest, x)
			}
		}
		if !found {
			return nil, errf(CodeInvalid, "partition isolate: node %q is not in nodes; name the node to isolate in \"node\"", spec.Node)
		}
		return cut([][]string{{spec.Node}, rest}, spec.OneWay), nil
	case "halves":
		if err := need(2); err != nil {
			return nil, err
		}
		// Like Jepsen's bisect: the smaller half first.
		h := n / 2
		return cut([][]string{spec.Nodes[:h], spec.Nodes[h:]}, spec.OneWay), nil
	case "bridge":
		if err := need(3); err != nil {
			return nil, err
		}
		// The first node of the second half talks to both sides.
		h := n / 2
		return cut([][]string{spec.Nodes[:h], spec.Nodes[h+1:]}, spec.OneWay), nil
	case "majoritiesRing":
		if err := need(3); err != nil {
			return nil, err
		}
		if spec.OneWay {
			return nil, errf(CodeInvalid, "partition majoritiesRing is already directed; drop oneWay")
		}
		return majoritiesRing(spec.Nodes), nil
	case "groups":
		if len(spec.Groups) < 2 {
			return nil, errf(CodeInvalid, "partition groups needs at least 2 groups, got %d", len(spec.Groups))
		}
		var all []string
		for i, grp := range spec.Groups {
			if len(grp) == 0 {
				return nil, errf(CodeInvalid, "partition groups: group %d is empty", i)
			}
			all = append(all, grp...)
		}
		if err := checkNodes(all, "groups"); err != nil {
			return nil, err
		}
		if len(spec.Nodes) > 0 {
			in := make(map[string]bool, len(all))
			for _, x := range all {
				in[x] = true
			}
			if err := checkNodes(spec.Nodes, "nodes"); err != nil {
				return nil, err
			}
			if len(spec.Nodes) != len(all) {
				return nil, errf(CodeInvalid, "partition groups: nodes and groups list different nodes; every node must be in exactly one group")
			}
			for _, x := range spec.Nodes {
				if !in[x] {
					return nil, errf(CodeInvalid, "partition groups: node %q is in no group; every node must be in exactly one group", x)
				}
			}
		}
		return cut(spec.Groups, spec.OneWay), nil
	default:
		return nil, errf(CodeInvalid, "partition shape must be isolate, halves, majoritiesRing, bridge or groups, got %q", spec.Shape)
	}
}

// checkNodes rejects empty and repeated node names.
func checkNodes(nodes []string, field string) error {
	seen := make(map[string]bool, len(nodes))
	for _, x := range nodes {
		if x == "" {
			return errf(CodeInvalid, "partition %s: node names must not be empty", field)
		}
		if seen[x] {
			return errf(CodeInvalid, "partition %s: node %q appears twice", field, x)
		}
		seen[x] = true
	}
	return nil
}

// cut blocks every message between different components; with oneWay only
// messages from an earlier component to a later one.
func cut(groups [][]string, oneWay bool) map[pair]bool {
	g := make(map[pair]bool)
	for i, a := range groups {
		for j, b := range groups {
			if i == j || (oneWay && i > j) {
				continue
			}
			for _, x := range a {
				for _, y := range b {
					g[pair{x, y}] = true
				}
			}
		}
	}
	return g
}

// majoritiesRing gives every node a view of a majority of nodes that are its
// neighbours on the ring formed by the node order, and drops messages from
// every node outside that view. Each node sees a majority, but no two
// adjacent nodes see the same one. With an even number of nodes the views
// are lopsided, so some pairs are blocked in one direction only.
func majoritiesRing(nodes []string) map[pair]bool {
	n := len(nodes)
	m := n/2 + 1
	lo := (m - 1) / 2
	hi := m - 1 - lo
	g := make(map[pair]bool)
	for i, recv := range nodes {
		view := make(map[int]bool, m)
		for off := -lo; off <= hi; off++ {
			view[((i+off)%n+n)%n] = true
		}
		for j, sender := range nodes {
			if !view[j] {
				g[pair{sender, recv}] = true
			}
		}
	}
	return g
}
