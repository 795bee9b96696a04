package s3

import (
	"sort"
	"strings"
)

// keyIndex keeps a bucket's keys in byte order so that listings cost
// O(log n + page) rather than a scan and sort of every key.
//
// It is a two-level B+-tree: a sorted list of chunks, each a sorted slice of
// at most maxChunk entries. Finding a key is two binary searches; inserting
// or removing one moves at most maxChunk pointers, and splitting a full chunk
// moves the chunk list (n/maxChunk pointers), so a bucket of ten million keys
// costs a few microseconds per insert. Point lookups go through the map next
// to it (bucket.objects); keyIndex answers "the first key at or after k".
//
// keyIndex is not safe for concurrent use; the bucket's lock guards it.
type keyIndex struct {
	chunks [][]*objectEntry
	n      int
}

// maxChunk bounds a chunk; a full chunk splits in two halves.
const maxChunk = 512

// len returns the number of keys.
func (x *keyIndex) len() int { return x.n }

// chunkFor returns the index of the chunk where key is or would be.
func (x *keyIndex) chunkFor(key string) int {
	// The first chunk whose last key is >= key; keys past every chunk go
	// into the last one.
	i := sort.Search(len(x.chunks), func(i int) bool {
		c := x.chunks[i]
		return c[len(c)-1].key >= key
	})
	if i == len(x.chunks) && i > 0 {
		i--
	}
	return i
}

// insert adds e, whose key must not be in the index.
func (x *keyIndex) insert(e *objectEntry) {
	if len(x.chunks) == 0 {
		x.chunks = [][]*objectEntry{{e}}
		x.n = 1
		return
	}
	ci := x.chunkFor(e.key)
	c := x.chunks[ci]
	i := sort.Search(len(c), func(i int) bool { return c[i].key >= e.key })
	c = append(c, nil)
	copy(c[i+1:], c[i:])
	c[i] = e
	x.n++
	if len(c) <= maxChunk {
		x.chunks[ci] = c
		return
	}
	half := len(c) / 2
	left := make([]*objectEntry, half, maxChunk+1)
	copy(left, c[:half])
	right := make([]*objectEntry, len(c)-half, maxChunk+1)
	copy(right, c[half:])
	x.chunks = append(x.chunks, nil)
	copy(x.chunks[ci+2:], x.chunks[ci+1:])
	x.chunks[ci] = left
	x.chunks[ci+1] = right
}

// remove deletes key from the index, if present.
func (x *keyIndex) remove(key string) {
	if len(x.chunks) == 0 {
		return
	}
	ci := x.chunkFor(key)
	c := x.chunks[ci]
	i := sort.Search(len(c), func(i int) bool { return c[i].key >= key })
	if i == len(c) || c[i].key != key {
		return
	}
	copy(c[i:], c[i+1:])
	c[len(c)-1] = nil
	c = c[:len(c)-1]
	x.n--
	if len(c) > 0 {
		x.chunks[ci] = c
		return
	}
	copy(x.chunks[ci:], x.chunks[ci+1:])
	x.chunks[len(x.chunks)-1] = nil
	x.chunks = x.chunks[:len(x.chunks)-1]
}

// cursor is a position in a keyIndex; it is invalidated by any change.
type cursor struct {
	x      *keyIndex
	ci, i  int
	closed bool
}

// seek returns a cursor at the first key >= key.
func (x *keyIndex) seek(key string) cursor {
	if len(x.chunks) == 0 {
		return cursor{x: x, closed: true}
	}
	ci := x.chunkFor(key)
	c := x.chunks[ci]
	i := sort.Search(len(c), func(i int) bool { return c[i].key >= key })
	cur := cursor{x: x, ci: ci, i: i}
	cur.normalize()
	return cur
}

// seekAfter returns a cursor at the first key > key.
func (x *keyIndex) seekAfter(key string) cursor {
	cur := x.seek(key)
	if e := cur.entry(); e != nil && e.key == key {
		cur.next()
	}
	return cur
}

func (c *cursor) normalize() {
	for !c.closed && c.i >= len(c.x.chunks[c.ci]) {
		c.ci++
		c.i = 0
		if c.ci >= len(c.x.chunks) {
			c.closed = true
		}
	}
}

// entry returns the entry at the cursor, nil past the end.
func (c *cursor) entry() *objectEntry {
	if c.closed {
		return nil
	}
	return c.x.chunks[c.ci][c.i]
}

// next moves to the following key.
func (c *cursor) next() {
	if c.closed {
		return
	}
	c.i++
	c.normalize()
}

// prefixEnd returns the smallest string greater than every string that
// starts with prefix, or "" when there is none (a prefix of 0xff bytes).
// Seeking to it skips a whole common prefix in O(log n).
func prefixEnd(prefix string) string {
	b := []byte(prefix)
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] < 0xff {
			b[i]++
			return string(b[:i+1])
		}
	}
	return ""
}

// commonPrefix returns the common prefix key rolls up to under prefix and
// delimiter, and whether it rolls up at all.
func commonPrefix(key, prefix, delimiter string) (string, bool) {
	if delimiter == "" {
		return "", false
	}
	rest := key[len(prefix):]
	i := strings.Index(rest, delimiter)
	if i < 0 {
		return "", false
	}
	return key[:len(prefix)+i+len(delimiter)], true
}
