package sqs

import (
	"encoding/base64"
	"encoding/binary"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/virga-aws/virga/internal/services/sqs/api"
)

// regionKey identifies the queues of one account in one region.
type regionKey struct{ account, region string }

// region holds one account's queues in one region.
type region struct {
	mu     sync.RWMutex
	queues map[string]*queue
	// deleted remembers when queues were deleted, for the 60-second rule
	// of CreateQueue (QueueDeletedRecently).
	deleted map[string]time.Time
}

// Message states. A message is in exactly one of them, and in the matching
// structure of its queue: the delayed heap, the ready heap (standard) or its
// group's heap (FIFO), or the in-flight heap.
const (
	stateDelayed uint8 = iota + 1
	stateReady
	stateInflight
)

// message is one stored message. Its content is immutable after send; the
// delivery fields change under its queue's lock.
type message struct {
	seq       uint64
	id        string
	body      string
	md5Body   string
	attrs     []attribute // user attributes, sorted by name
	md5Attrs  string
	sysAttrs  []attribute // system attributes sent (AWSTraceHeader), sorted
	md5Sys    string
	sentAt    time.Time // SentTimestamp
	sender    string    // SenderId
	groupID   string
	dedupID   string
	seqNumber string // FIFO SequenceNumber
	dlqSource string // DeadLetterQueueSourceArn, set when redriven
	// enqueuedAt is what the retention period counts from: the send, kept
	// when a standard queue redrives the message to its dead-letter queue
	// and reset by a FIFO one, as SQS does.
	enqueuedAt time.Time

	state        uint8
	availableAt  time.Time // end of the delay, while delayed
	visibleAt    time.Time // end of the visibility timeout, while in flight
	receiveCount uint64
	firstReceive time.Time
	lastReceive  time.Time

	heapIdx int   // position in the heap holding the message
	key     int64 // that heap's ordering key
	// older and newer link the queue's retention list, ordered by
	// enqueuedAt.
	older, newer *message
}

// msgHeap is a binary min-heap of messages by key, then sequence. Each
// message remembers its position so it can be removed or re-keyed in
// O(log n).
type msgHeap []*message

func (h msgHeap) less(i, j int) bool {
	if h[i].key != h[j].key {
		return h[i].key < h[j].key
	}
	return h[i].seq < h[j].seq
}

func (h msgHeap) swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].heapIdx = i
	h[j].heapIdx = j
}

func (h msgHeap) up(j int) {
	for j > 0 {
		i := (j - 1) / 2
		if !h.less(j, i) {
			break
		}
		h.swap(i, j)
		j = i
	}
}

func (h msgHeap) down(i, n int) bool {
	i0 := i
	for {
		j := 2*i + 1
		if j >= n || j < 0 {
			break
		}
		if r := j + 1; r < n && h.less(r, j) {
			j = r
		}
		if !h.less(j, i) {
			break
		}
		h.swap(i, j)
		i = j
	}
	return i > i0
}

func (h *msgHeap) push(m *message, key int64) {
	m.key = key
	m.heapIdx = len(*h)
	*h = append(*h, m)
	h.up(m.heapIdx)
}

func (h msgHeap) peek() *message {
	if len(h) == 0 {
		return nil
	}
	return h[0]
}

func (h *msgHeap) pop() *message {
	if len(*h) == 0 {
		return nil
	}
	return h.remove((*h)[0])
}

func (h *msgHeap) remove(m *message) *message {
	old := *h
	n := len(old) - 1
	i := m.heapIdx
	if i != n {
		old.swap(i, n)
		if !old.down(i, n) {
			old.up(i)
		}
	}
	old[n] = nil
	*h = old[:n]
	m.heapIdx = -1
	return m
}

func (h msgHeap) fix(m *message, key int64) {
	m.key = key
	if !h.down(m.heapIdx, len(h)) {
		h.up(m.heapIdx)
	}
}

// group is a FIFO message group: its visible messages in order, and how
// many of its messages are in flight (which blocks the group).
type group struct {
	id       string
	ready    msgHeap
	inflight int
	idx      int // position in queue.avail, -1 when absent
}

// groupHeap orders the receivable groups of a FIFO queue by their oldest
// message, so receives serve the oldest waiting group first.
type groupHeap []*group

func (h groupHeap) less(i, j int) bool { return h[i].ready[0].seq < h[j].ready[0].seq }

func (h groupHeap) swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].idx = i
	h[j].idx = j
}

func (h groupHeap) up(j int) {
	for j > 0 {
		i := (j - 1) / 2
		if !h.less(j, i) {
			break
		}
		h.swap(i, j)
		j = i
	}
}

func (h groupHeap) down(i, n int) bool {
	i0 := i
	for {
		j := 2*i + 1
		if j >= n || j < 0 {
			break
		}
		if r := j + 1; r < n && h.less(r, j) {
			j = r
		}
		if !h.less(j, i) {
			break
		}
		h.swap(i, j)
		i = j
	}
	return i > i0
}

func (h *groupHeap) push(g *group) {
	g.idx = len(*h)
	*h = append(*h, g)
	h.up(g.idx)
}

func (h *groupHeap) remove(g *group) {
	old := *h
	n := len(old) - 1
	i := g.idx
	if i != n {
		old.swap(i, n)
		if !old.down(i, n) {
			old.up(i)
		}
	}
	old[n] = nil
	*h = old[:n]
	g.idx = -1
}

func (h groupHeap) fix(g *group) {
	if !h.down(g.idx, len(h)) {
		h.up(g.idx)
	}
}

// dedupEntry remembers an accepted FIFO send for the deduplication
// interval.
type dedupEntry struct {
	messageID string
	seqNumber string
	expires   time.Time
}

// expiring is a key to forget at a time.
type expiring struct {
	key     string
	expires time.Time
}

// expiryQueue holds keys in the order they expire (they all live equally
// long), so expiring them costs O(1) per key.
type expiryQueue struct {
	items []expiring
	head  int
}

func (e *expiryQueue) push(key string, expires time.Time) {
	e.items = append(e.items, expiring{key, expires})
}

// popExpired calls forget for every key expired at now, oldest first.
func (e *expiryQueue) popExpired(now time.Time, forget func(expiring)) {
	for e.head < len(e.items) && !now.Before(e.items[e.head].expires) {
		forget(e.items[e.head])
		e.items[e.head] = expiring{}
		e.head++
	}
	if e.head == len(e.items) {
		e.items, e.head = e.items[:0], 0
	} else if e.head > 1024 && e.head > len(e.items)/2 {
		e.items = append(e.items[:0], e.items[e.head:]...)
		e.head = 0
	}
}

// attempt remembers the messages a FIFO receive returned for its
// ReceiveRequestAttemptId, so a retried receive gets the same messages.
type attempt struct {
	expires time.Time
	seqs    []uint64
	counts  []uint64
}

// dedupInterval is the FIFO deduplication interval, also how long a
// ReceiveRequestAttemptId is remembered.
const dedupInterval = 5 * time.Minute

// queue is one SQS queue. Everything below mu is guarded by it.
type queue struct {
	ref      queueRef
	arn      string
	fifo     bool
	handleID uint64 // distinguishes this queue's receipt handles
	created  time.Time

	// conf is a copy of attrs for reading without the lock; setAttrs
	// keeps it current.
	conf atomic.Pointer[queueAttrs]

	mu       sync.Mutex
	gone     bool // deleted (or reset); operations answer QueueDoesNotExist
	modified time.Time
	attrs    queueAttrs
	tags     map[string]string
	purgedAt time.Time

	nextSeq       uint64
	nextSeqNumber uint64
	msgs          map[uint64]*message
	ready         msgHeap // standard queues: by sequence
	delayed       msgHeap // by end of delay
	inflight      msgHeap // by end of visibility timeout
	oldest        *message
	newest        *message

	// FIFO queues.
	groups        map[string]*group
	avail         groupHeap
	readyCount    int
	dedup         map[string]dedupEntry
	dedupOrder    expiryQueue
	attempts      map[string]*attempt
	attemptsOrder expiryQueue

	// waiters are long-polling receivers to wake when messages may have
	// become available.
	waiters []chan struct{}
}

func newQueue(ref queueRef, fifo bool, handleID uint64, now time.Time) *queue {
	q := &queue{
		ref:      ref,
		arn:      queueARN(ref.region, ref.account, ref.name),
		fifo:     fifo,
		handleID: handleID,
		created:  now,
		modified: now,
		tags:     map[string]string{},
		nextSeq:  1,
		msgs:     map[uint64]*message{},
	}
	if fifo {
		q.groups = map[string]*group{}
		q.dedup = map[string]dedupEntry{}
		q.attempts = map[string]*attempt{}
	}
	q.setAttrs(defaultAttrs(fifo))
	return q
}

// setAttrs replaces the queue's attributes. The caller holds q.mu (or owns
// a queue not yet shared).
func (q *queue) setAttrs(a queueAttrs) {
	q.attrs = a
	c := a
	q.conf.Store(&c)
}

// visibleCount returns ApproximateNumberOfMessages.
func (q *queue) visibleCount() int {
	if q.fifo {
		return q.readyCount
	}
	return len(q.ready)
}

// tick brings the queue up to now: it drops messages past the retention
// period, and makes visible the messages whose delay or visibility timeout
// has ended. Every operation calls it first, so no timer per message is
// needed. It returns the messages it dropped, for the journal.
func (q *queue) tick(now time.Time, dropped []*message) []*message {
	retention := time.Duration(q.attrs.MessageRetentionPeriod) * time.Second
	for m := q.oldest; m != nil && !now.Before(m.enqueuedAt.Add(retention)); m = q.oldest {
		q.unlink(m)
		dropped = append(dropped, m)
	}
	nowKey := now.UnixNano()
	for m := q.delayed.peek(); m != nil && m.key <= nowKey; m = q.delayed.peek() {
		q.delayed.pop()
		q.makeReady(m)
	}
	for m := q.inflight.peek(); m != nil && m.key <= nowKey; m = q.inflight.peek() {
		q.inflight.pop()
		q.leaveFlight(m)
		q.makeReady(m)
	}
	if q.fifo {
		q.expireDedup(now)
	}
	return dropped
}

// nextChange returns when the next delayed or in-flight message becomes
// visible, or the zero time when none will.
func (q *queue) nextChange() time.Time {
	var next int64
	if m := q.delayed.peek(); m != nil {
		next = m.key
	}
	if m := q.inflight.peek(); m != nil && (next == 0 || m.key < next) {
		next = m.key
	}
	if next == 0 {
		return time.Time{}
	}
	return time.Unix(0, next)
}

// makeReady puts m among the visible messages.
func (q *queue) makeReady(m *message) {
	m.state = stateReady
	if !q.fifo {
		q.ready.push(m, int64(m.seq))
		return
	}
	g := q.groups[m.groupID]
	if g == nil {
		g = &group{id: m.groupID, idx: -1}
		q.groups[m.groupID] = g
	}
	g.ready.push(m, int64(m.seq))
	q.readyCount++
	q.groupChanged(g)
}

// groupChanged keeps a FIFO group's place among the receivable groups: it is
// there when it has visible messages and none in flight.
func (q *queue) groupChanged(g *group) {
	receivable := g.inflight == 0 && len(g.ready) > 0
	switch {
	case receivable && g.idx < 0:
		q.avail.push(g)
	case receivable:
		q.avail.fix(g)
	case g.idx >= 0:
		q.avail.remove(g)
	}
	if len(g.ready) == 0 && g.inflight == 0 && g.idx < 0 {
		delete(q.groups, g.id)
	}
}

// leaveFlight updates a FIFO group when one of its messages stops being in
// flight.
func (q *queue) leaveFlight(m *message) {
	if !q.fifo {
		return
	}
	if g := q.groups[m.groupID]; g != nil {
		g.inflight--
		q.groupChanged(g)
	}
}

// takeReady removes a visible message from its group (FIFO).
func (q *queue) takeReady(g *group) *message {
	m := g.ready.pop()
	q.readyCount--
	return m
}

// link appends m to the retention list, keeping it ordered by enqueuedAt.
func (q *queue) link(m *message) {
	after := q.newest
	for after != nil && after.enqueuedAt.After(m.enqueuedAt) {
		after = after.older
	}
	m.older = after
	if after == nil {
		m.newer = q.oldest
		q.oldest = m
	} else {
		m.newer = after.newer
		after.newer = m
	}
	if m.newer == nil {
		q.newest = m
	} else {
		m.newer.older = m
	}
}

// unlink removes m from the queue entirely: from the retention list, the
// index and whichever state structure holds it.
func (q *queue) unlink(m *message) {
	if m.older != nil {
		m.older.newer = m.newer
	} else {
		q.oldest = m.newer
	}
	if m.newer != nil {
		m.newer.older = m.older
	} else {
		q.newest = m.older
	}
	m.older, m.newer = nil, nil
	delete(q.msgs, m.seq)
	if m.heapIdx < 0 {
		return
	}
	switch m.state {
	case stateDelayed:
		q.delayed.remove(m)
	case stateInflight:
		q.inflight.remove(m)
		q.leaveFlight(m)
	case stateReady:
		if !q.fifo {
			q.ready.remove(m)
			return
		}
		if g := q.groups[m.groupID]; g != nil {
			g.ready.remove(m)
			q.readyCount--
			q.groupChanged(g)
		}
	}
}

// add stores a new message, delayed until availableAt when that is later
// than now.
func (q *queue) add(m *message, now time.Time) {
	m.seq = q.nextSeq
	q.nextSeq++
	m.heapIdx = -1
	q.msgs[m.seq] = m
	q.link(m)
	if m.availableAt.After(now) {
		m.state = stateDelayed
		q.delayed.push(m, m.availableAt.UnixNano())
	} else {
		q.makeReady(m)
	}
	q.notify()
}

// notify wakes every long-polling receiver of the queue.
func (q *queue) notify() {
	for i, w := range q.waiters {
		select {
		case w <- struct{}{}:
		default:
		}
		q.waiters[i] = nil
	}
	q.waiters = q.waiters[:0]
}

// removeWaiter forgets a waiter that stopped waiting.
func (q *queue) removeWaiter(w chan struct{}) {
	for i, x := range q.waiters {
		if x == w {
			last := len(q.waiters) - 1
			q.waiters[i] = q.waiters[last]
			q.waiters[last] = nil
			q.waiters = q.waiters[:last]
			return
		}
	}
}

// purge drops every message (and, for FIFO queues, the deduplication and
// receive-attempt history).
func (q *queue) purge() {
	q.msgs = map[uint64]*message{}
	q.ready, q.delayed, q.inflight = nil, nil, nil
	q.oldest, q.newest = nil, nil
	if q.fifo {
		q.groups = map[string]*group{}
		q.avail = nil
		q.readyCount = 0
		q.dedup = map[string]dedupEntry{}
		q.dedupOrder = expiryQueue{}
		q.attempts = map[string]*attempt{}
		q.attemptsOrder = expiryQueue{}
	}
}

// expireDedup forgets deduplication ids and receive attempts older than the
// deduplication interval.
func (q *queue) expireDedup(now time.Time) {
	q.dedupOrder.popExpired(now, func(k expiring) {
		if e, ok := q.dedup[k.key]; ok && !e.expires.After(k.expires) {
			delete(q.dedup, k.key)
		}
	})
	q.attemptsOrder.popExpired(now, func(k expiring) {
		if a, ok := q.attempts[k.key]; ok && !a.expires.After(k.expires) {
			delete(q.attempts, k.key)
		}
	})
}

// nextSequenceNumber returns the next FIFO SequenceNumber: a 20-digit
// decimal number that increases with every message, as SQS's do.
func (q *queue) nextSequenceNumber() string {
	q.nextSeqNumber++
	return strconv.FormatUint(sequenceBase+q.nextSeqNumber, 10)
}

// sequenceBase makes sequence numbers 20 digits long.
const sequenceBase = 10_000_000_000_000_000_000

// Receipt handles are base64 of: a version byte, the queue's handle id, the
// message's sequence and the receive count at the receive that issued it.
const handleLen = 1 + 8 + 8 + 8

// receiptHandle returns the handle for m's current receive.
func (q *queue) receiptHandle(m *message) string {
	var b [handleLen]byte
	b[0] = 1
	binary.BigEndian.PutUint64(b[1:], q.handleID)
	binary.BigEndian.PutUint64(b[9:], m.seq)
	binary.BigEndian.PutUint64(b[17:], m.receiveCount)
	return base64.StdEncoding.EncodeToString(b[:])
}

// parseHandle decodes a receipt handle of this queue: the message sequence
// and the receive count it was issued at.
func (q *queue) parseHandle(h string) (seq, count uint64, ok bool) {
	var b [handleLen + 3]byte
	if base64.StdEncoding.DecodedLen(len(h)) > len(b) {
		return 0, 0, false
	}
	n, err := base64.StdEncoding.Decode(b[:], []byte(h))
	if err != nil || n != handleLen || b[0] != 1 || binary.BigEndian.Uint64(b[1:]) != q.handleID {
		return 0, 0, false
	}
	return binary.BigEndian.Uint64(b[9:]), binary.BigEndian.Uint64(b[17:]), true
}

// System attribute selection bits for ReceiveMessage.
const (
	sysSenderID uint16 = 1 << iota
	sysSentTimestamp
	sysReceiveCount
	sysFirstReceive
	sysSequenceNumber
	sysDedupID
	sysGroupID
	sysTraceHeader
	sysDLQSource
	sysAll = 1<<iota - 1
)

var systemAttributeBits = map[string]uint16{
	api.MessageSystemAttributeNameAll:                              sysAll,
	api.MessageSystemAttributeNameSenderId:                         sysSenderID,
	api.MessageSystemAttributeNameSentTimestamp:                    sysSentTimestamp,
	api.MessageSystemAttributeNameApproximateReceiveCount:          sysReceiveCount,
	api.MessageSystemAttributeNameApproximateFirstReceiveTimestamp: sysFirstReceive,
	api.MessageSystemAttributeNameSequenceNumber:                   sysSequenceNumber,
	api.MessageSystemAttributeNameMessageDeduplicationId:           sysDedupID,
	api.MessageSystemAttributeNameMessageGroupId:                   sysGroupID,
	api.MessageSystemAttributeNameAWSTraceHeader:                   sysTraceHeader,
	api.MessageSystemAttributeNameDeadLetterQueueSourceArn:         sysDLQSource,
}

// selection is what a receive returns of each message's attributes.
type selection struct {
	system   uint16
	allUser  bool
	names    []string // exact user attribute names
	prefixes []string // user attribute name prefixes ("foo.*" → "foo")
}

// wantsUser reports whether the user attribute name is selected.
func (s *selection) wantsUser(name string) bool {
	if s.allUser {
		return true
	}
	for _, n := range s.names {
		if n == name {
			return true
		}
	}
	for _, p := range s.prefixes {
		if len(name) >= len(p) && name[:len(p)] == p {
			return true
		}
	}
	return false
}

// output renders m as ReceiveMessage returns it.
func (q *queue) output(m *message, sel *selection) api.Message {
	out := api.Message{
		MessageId:     &m.id,
		ReceiptHandle: ptr(q.receiptHandle(m)),
		MD5OfBody:     &m.md5Body,
		Body:          &m.body,
	}
	if s := sel.system; s != 0 {
		a := make(map[string]string, 8)
		if s&sysSenderID != 0 {
			a["SenderId"] = m.sender
		}
		if s&sysSentTimestamp != 0 {
			a["SentTimestamp"] = millis(m.sentAt)
		}
		if s&sysReceiveCount != 0 {
			a["ApproximateReceiveCount"] = strconv.FormatUint(m.receiveCount, 10)
		}
		if s&sysFirstReceive != 0 {
			a["ApproximateFirstReceiveTimestamp"] = millis(m.firstReceive)
		}
		if s&sysSequenceNumber != 0 && m.seqNumber != "" {
			a["SequenceNumber"] = m.seqNumber
		}
		if s&sysDedupID != 0 && m.dedupID != "" {
			a["MessageDeduplicationId"] = m.dedupID
		}
		if s&sysGroupID != 0 && m.groupID != "" {
			a["MessageGroupId"] = m.groupID
		}
		if s&sysTraceHeader != 0 {
			for _, sa := range m.sysAttrs {
				if sa.Name == "AWSTraceHeader" {
					a["AWSTraceHeader"] = sa.String
				}
			}
		}
		if s&sysDLQSource != 0 && m.dlqSource != "" {
			a["DeadLetterQueueSourceArn"] = m.dlqSource
		}
		out.Attributes = a
	}
	if len(m.attrs) == 0 || !sel.allUser && len(sel.names) == 0 && len(sel.prefixes) == 0 {
		return out
	}
	picked := m.attrs
	if !sel.allUser {
		picked = nil
		for _, a := range m.attrs {
			if sel.wantsUser(a.Name) {
				picked = append(picked, a)
			}
		}
		if len(picked) == 0 {
			return out
		}
	}
	ua := make(map[string]api.MessageAttributeValue, len(picked))
	for i := range picked {
		a := &picked[i]
		v := api.MessageAttributeValue{DataType: &a.DataType}
		if a.isBinary() {
			v.BinaryValue = a.Binary
		} else {
			v.StringValue = &a.String
		}
		ua[a.Name] = v
	}
	out.MessageAttributes = ua
	if len(picked) == len(m.attrs) {
		out.MD5OfMessageAttributes = &m.md5Attrs
	} else {
		out.MD5OfMessageAttributes = ptr(md5OfAttributes(picked))
	}
	return out
}

// millis formats t as epoch milliseconds, as SQS's timestamps attributes
// are.
func millis(t time.Time) string {
	if t.IsZero() {
		return "0"
	}
	return strconv.FormatInt(t.UnixMilli(), 10)
}

func ptr[T any](v T) *T { return &v }
