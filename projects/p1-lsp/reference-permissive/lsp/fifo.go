// A first-in first-out queue owned by one goroutine (the event loops keep every growing queue in
// one of these, never in a channel).

package lsp

type fifo[T any] struct {
	items []T
}

func (q *fifo[T]) push(v T) { q.items = append(q.items, v) }

func (q *fifo[T]) len() int { return len(q.items) }

// pop removes and returns the oldest item; the queue must not be empty.
func (q *fifo[T]) pop() T {
	v := q.items[0]
	var zero T
	q.items[0] = zero
	q.items = q.items[1:]
	if len(q.items) == 0 {
		q.items = nil
	}
	return v
}

// filter keeps only the items for which keep returns true, in order.
func (q *fifo[T]) filter(keep func(T) bool) {
	kept := q.items[:0]
	for _, v := range q.items {
		if keep(v) {
			kept = append(kept, v)
		}
	}
	for i := len(kept); i < len(q.items); i++ {
		var zero T
		q.items[i] = zero
	}
	q.items = kept
}
