// Package clock provides the one source of time every Virga timer reads:
// real by default, and frozen, shifted or advanced through the internal API.
package clock

import (
	"container/heap"
	"sync"
	"time"
)

// Clock is Virga's injectable time source. The zero value is not usable; use
// New. A Clock runs in real time shifted by an offset, or is frozen at an
// instant; timers created with AfterFunc or After fire when the clock's time
// reaches their deadline, whether real time passes or the clock is advanced.
//
// Timer callbacks run on the goroutine that moves the clock: a goroutine of
// the Clock when real time passes, or the caller of Advance, Set, Resume or
// Reset. Within one such move they run one at a time, in deadline order (ties
// in creation order). A callback may use the Clock (Now, AfterFunc, Stop,
// even Advance) but should hand long work to a goroutine of its own, since
// later timers wait for it; the caller of Advance must not hold a lock a
// callback needs.
type Clock struct {
	mu       sync.Mutex
	frozen   bool
	frozenAt time.Time
	offset   time.Duration
	timers   timerHeap
	seq      uint64
	now      func() time.Time
	// wake is the one real-time trigger, armed for the earliest deadline
	// while the clock runs; it is nil until first needed.
	wake *time.Timer
}

// New returns a Clock that follows real time.
func New() *Clock {
	return &Clock{now: time.Now}
}

// Now returns the clock's current time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.nowLocked()
}

func (c *Clock) nowLocked() time.Time {
	if c.frozen {
		return c.frozenAt
	}
	return c.now().Add(c.offset)
}

// Since returns the time elapsed on the clock since t.
func (c *Clock) Since(t time.Time) time.Duration { return c.Now().Sub(t) }

// Frozen reports whether the clock is frozen.
func (c *Clock) Frozen() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.frozen
}

// Freeze stops the clock at its current time. Timers then fire only when the
// clock is advanced or set past their deadline.
func (c *Clock) Freeze() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.frozen {
		c.frozenAt = c.nowLocked()
		c.frozen = true
	}
	c.armLocked()
}

// Resume lets a frozen clock run again in real time from the instant it was
// frozen at (so no time is skipped).
func (c *Clock) Resume() {
	c.mu.Lock()
	if c.frozen {
		c.offset = c.frozenAt.Sub(c.now())
		c.frozen = false
	}
	c.advanceLocked(0)
	c.mu.Unlock()
}

// Advance moves the clock forward by d (negative values are ignored) and
// fires every timer whose deadline has been reached, in deadline order. The
// clock steps through the deadlines: while a timer's callback runs, the clock
// reads at least that timer's deadline, and timers the callback schedules
// inside the advanced span fire too, so advancing by three hours fires an
// hourly self-rescheduling timer three times. Advance returns after the
// callbacks return.
func (c *Clock) Advance(d time.Duration) {
	if d < 0 {
		d = 0
	}
	c.mu.Lock()
	c.advanceLocked(d)
	c.mu.Unlock()
}

// Set moves the clock to t, which may be in the past or the future. Moving
// forward fires timers as Advance does; moving back fires none.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	if d := t.Sub(c.nowLocked()); d > 0 {
		c.advanceLocked(d)
		c.mu.Unlock()
		return
	}
	if c.frozen {
		c.frozenAt = t
	} else {
		c.offset = t.Sub(c.now())
	}
	c.advanceLocked(0)
	c.mu.Unlock()
}

// Reset returns the clock to real time with no offset. If that moves the
// clock forward, timers fire as Advance does.
func (c *Clock) Reset() {
	c.mu.Lock()
	if d := c.now().Sub(c.nowLocked()); d > 0 {
		c.advanceLocked(d)
	}
	c.frozen = false
	c.offset = 0
	c.advanceLocked(0)
	c.mu.Unlock()
}

// Timer is a pending call scheduled on a Clock.
type Timer struct {
	c        *Clock
	deadline time.Time
	f        func()
	index    int
	seq      uint64
}

// AfterFunc calls f once the clock reaches now+d (see Clock for the goroutine
// it runs on). It never calls f before returning, even when d <= 0.
func (c *Clock) AfterFunc(d time.Duration, f func()) *Timer {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := &Timer{c: c, deadline: c.nowLocked().Add(d), f: f, index: -1}
	c.seq++
	t.seq = c.seq
	heap.Push(&c.timers, t)
	switch {
	case c.frozen && d <= 0:
		go c.Advance(0)
	case !c.frozen && t.index == 0:
		c.armLocked()
	}
	return t
}

// After returns a channel that receives the clock's time once it reaches
// now+d, and a function that cancels the timer and reports whether it
// stopped it before it fired.
func (c *Clock) After(d time.Duration) (<-chan time.Time, func() bool) {
	ch := make(chan time.Time, 1)
	t := c.AfterFunc(d, func() { ch <- c.Now() })
	return ch, t.Stop
}

// Stop cancels the timer. It reports whether the call stopped the timer
// before it fired.
func (t *Timer) Stop() bool {
	c := t.c
	c.mu.Lock()
	defer c.mu.Unlock()
	if t.index < 0 {
		return false
	}
	heap.Remove(&c.timers, t.index)
	return true
}

// shiftLocked moves the clock forward by d without firing timers.
func (c *Clock) shiftLocked(d time.Duration) {
	if c.frozen {
		c.frozenAt = c.frozenAt.Add(d)
	} else {
		c.offset += d
	}
}

// advanceLocked moves the clock forward by d, stepping to each deadline
// within reach and calling its timer with c.mu released, then re-arms the
// real-time trigger. It is entered and left with c.mu held.
func (c *Clock) advanceLocked(d time.Duration) {
	for len(c.timers) > 0 {
		t := c.timers[0]
		step := t.deadline.Sub(c.nowLocked())
		if step > d {
			break
		}
		if step > 0 {
			c.shiftLocked(step)
			d -= step
		}
		heap.Pop(&c.timers)
		c.mu.Unlock()
		t.f()
		c.mu.Lock()
	}
	c.shiftLocked(d)
	c.armLocked()
}

// armLocked points the real-time trigger at the earliest deadline, or stops
// it while the clock is frozen or no timer is pending.
func (c *Clock) armLocked() {
	if c.frozen || len(c.timers) == 0 {
		if c.wake != nil {
			c.wake.Stop()
		}
		return
	}
	d := c.timers[0].deadline.Sub(c.nowLocked())
	if c.wake == nil {
		c.wake = time.AfterFunc(d, func() { c.Advance(0) })
		return
	}
	c.wake.Reset(d)
}

type timerHeap []*Timer

func (h timerHeap) Len() int { return len(h) }
func (h timerHeap) Less(i, j int) bool {
	if h[i].deadline.Equal(h[j].deadline) {
		return h[i].seq < h[j].seq
	}
	return h[i].deadline.Before(h[j].deadline)
}
func (h timerHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index = i
	h[j].index = j
}
func (h *timerHeap) Push(x any) {
	t := x.(*Timer)
	t.index = len(*h)
	*h = append(*h, t)
}
func (h *timerHeap) Pop() any {
	old := *h
	t := old[len(old)-1]
	old[len(old)-1] = nil
	t.index = -1
	*h = old[:len(old)-1]
	return t
}
