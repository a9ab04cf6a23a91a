// Package eventloop is narwhal's connection engine: a gnet v2 event loop that
// turns bytes from many connections into complete requests, hands them to a
// Handler that may finish them on any goroutine, and writes the responses
// back strictly in request order.
//
// The loop owns all parsing, body reception (in memory up to a threshold,
// spooled to an unlinked temp file beyond it) and keep-alive bookkeeping, so a
// slow client never holds an app thread. Handlers see an Exchange only once its
// request and body are complete. Responses are buffered per Exchange; one Wake
// lets the loop write every consecutive finished response in one writev, which
// is what makes pipelining fast (DESIGN.md, "gnet facts").
//
// gnet cannot pause reading and has no outbound limit, so the loop bounds what
// it holds itself: at most Config.MaxPipeline requests in flight per
// connection, a cap on input held while parked, and writers that block once an
// Exchange has Config.HighWater bytes unsent. gnet's close truncates unsent
// output, so a connection is closed only once its outbound buffer is empty.
package eventloop
