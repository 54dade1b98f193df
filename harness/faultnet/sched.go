package faultnet

import (
	"container/heap"
	"sync"
	"time"
)

// event is a datagram waiting in the scheduler: delayed, shaped by bandwidth
// or held back for reordering. The payload is a private copy, so rule changes
// and later reads never touch it: a queued datagram keeps its schedule.
type event struct {
	at    int64  // release time, nanoseconds since proxy start (monotonic clock)
	order uint64 // insertion order; breaks ties so equal times stay FIFO
	index int    // position in the heap, maintained by eventHeap
	d     *dirState
	sess  *udpSession
	buf   []byte
	seq   uint64 // the datagram's message number, for the trace
	held  bool   // a reorder hold: released early if a later datagram is sent first
}

type eventHeap []*event

func (h eventHeap) Len() int { return len(h) }
func (h eventHeap) Less(i, j int) bool {
	if h[i].at != h[j].at {
		return h[i].at < h[j].at
	}
	return h[i].order < h[j].order
}
func (h eventHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index = i
	h[j].index = j
}
func (h *eventHeap) Push(x any) {
	e := x.(*event)
	e.index = len(*h)
	*h = append(*h, e)
}
func (h *eventHeap) Pop() any {
	old := *h
	e := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	return e
}

// scheduler releases queued datagrams at their due time. One goroutine and
// one timer serve the whole proxy, instead of a timer or goroutine per
// datagram, which keeps heavy delay scenarios cheap.
type scheduler struct {
	start time.Time
	fire  func(*event)

	mu    sync.Mutex
	h     eventHeap
	order uint64
	wake  chan struct{}
	quit  chan struct{}
	done  chan struct{}
}

func newScheduler(start time.Time, fire func(*event)) *scheduler {
	s := &scheduler{
		start: start,
		fire:  fire,
		wake:  make(chan struct{}, 1),
		quit:  make(chan struct{}),
		done:  make(chan struct{}),
	}
	go s.loop()
	return s
}

// now returns nanoseconds since the proxy started, on the monotonic clock.
func (s *scheduler) now() int64 { return int64(time.Since(s.start)) }

// push queues e. The loop is woken only when e becomes the earliest event.
func (s *scheduler) push(e *event) {
	s.mu.Lock()
	e.order = s.order
	s.order++
	heap.Push(&s.h, e)
	first := e.index == 0
	s.mu.Unlock()
	if first {
		select {
		case s.wake <- struct{}{}:
		default:
		}
	}
}

// pending returns the number of queued events.
func (s *scheduler) pending() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.h)
}

func (s *scheduler) loop() {
	defer close(s.done)
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	var batch []*event
	for {
		now := s.now()
		s.mu.Lock()
		for len(s.h) > 0 && s.h[0].at <= now {
			batch = append(batch, heap.Pop(&s.h).(*event))
		}
		wait := time.Hour
		if len(s.h) > 0 {
			wait = time.Duration(s.h[0].at - now)
		}
		s.mu.Unlock()
		// Fire outside the lock: sending may take a while and the data path
		// must be able to queue more events meanwhile.
		for i, e := range batch {
			s.fire(e)
			batch[i] = nil
		}
		if len(batch) > 0 {
			batch = batch[:0]
			continue
		}
		timer.Reset(wait)
		select {
		case <-timer.C:
		case <-s.wake:
			if !timer.Stop() {
				select {
				case <-timer.C:
				default:
				}
			}
		case <-s.quit:
			return
		}
	}
}

// close stops the loop; queued datagrams are discarded because every socket
// they could be sent on is closing too.
func (s *scheduler) close() {
	close(s.quit)
	<-s.done
}
