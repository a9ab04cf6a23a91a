package eventloop

// Handler serves complete requests.
//
// ServeExchange is called on the event loop goroutine, once per request, in
// arrival order per connection. A handler that answers at once (a static
// response) may write and Finish inline, which costs no goroutine switch.
// One that runs application code hands ex to its own goroutines and returns
// (the threads and gevent-like worker classes), or runs it inline and so
// blocks the loop and every connection on it: with one loop, one request at
// a time and no thread handoff at all (the sync class). Inline writes never
// wait on the loop: past HighWater they go straight to the socket
// (writeThrough), and a large last block is written at once as far as the
// socket takes it (sendFinal).
//
// Whatever goroutine completes ex must call WriteHead, then any number of
// Write/SendFile, then exactly one of Finish or Abort; after that ex must not
// be touched again.
type Handler interface {
	ServeExchange(ex *Exchange)
}

// HandlerFunc adapts a function to Handler.
type HandlerFunc func(ex *Exchange)

// ServeExchange calls f(ex).
func (f HandlerFunc) ServeExchange(ex *Exchange) { f(ex) }
