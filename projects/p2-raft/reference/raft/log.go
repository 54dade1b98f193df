package raft

// LogEntry is one entry of the replicated log.
type LogEntry struct {
	Term    int
	Command interface{}
}

// raftLog is a log whose entry i is at entries[i]; entries[0] is a sentinel of term 0, so that
// index 0 always exists and matches.
type raftLog struct {
	entries []LogEntry
}

func newLog() raftLog {
	return raftLog{entries: []LogEntry{{Term: 0}}}
}

func (l *raftLog) lastIndex() int {
	return len(l.entries) - 1
}

func (l *raftLog) lastTerm() int {
	return l.entries[len(l.entries)-1].Term
}

// term is the term of entry i, which must exist.
func (l *raftLog) term(i int) int {
	return l.entries[i].Term
}

func (l *raftLog) has(i int) bool {
	return i >= 0 && i < len(l.entries)
}

func (l *raftLog) append(e ...LogEntry) {
	l.entries = append(l.entries, e...)
}

// from returns a copy of the entries from index i on (none if i is past the end).
func (l *raftLog) from(i int) []LogEntry {
	if i > l.lastIndex() {
		return nil
	}
	return append([]LogEntry(nil), l.entries[i:]...)
}

// truncate drops entry i and everything after it.
func (l *raftLog) truncate(i int) {
	l.entries = l.entries[:i]
}

// firstIndexOfTerm returns the first index of the run of entries of term t that contains entry i.
func (l *raftLog) firstIndexOfTerm(i int) int {
	t := l.entries[i].Term
	for i > 1 && l.entries[i-1].Term == t {
		i--
	}
	return i
}

// lastIndexOfTerm returns the last index holding an entry of term t, or 0 if there is none.
func (l *raftLog) lastIndexOfTerm(t int) int {
	for i := l.lastIndex(); i > 0; i-- {
		if l.entries[i].Term == t {
			return i
		}
		if l.entries[i].Term < t {
			break
		}
	}
	return 0
}

// atLeastAsUpToDate tells whether a log ending with (lastTerm, lastIndex) is at least as up to date
// as this one (§5.4.1 of the Raft paper).
func (l *raftLog) atLeastAsUpToDate(lastTerm, lastIndex int) bool {
	if lastTerm != l.lastTerm() {
		return lastTerm > l.lastTerm()
	}
	return lastIndex >= l.lastIndex()
}
