"""The gevent-like worker class's hub loop, run by pyshim_hub_run on the
thread that started the interpreter.

Go queues requests into lanes and writes to an eventfd; the loop waits for
it through gevent's own event loop, so requests arrive without a thread per
request, and hands each ready lane to a greenlet. Greenlets are kept and
reused: a new one costs a fresh Python data stack (an mmap and munmap per
request on 3.11). A heartbeat greenlet tells the master the hub still gets
to run: CPU-bound code that never yields stops it, and the master's
--timeout applies.
"""
import os


def serve(efd, take, run_lane, beat, beat_every, request_timeout):
    import gevent
    from gevent.hub import Waiter, get_hub
    from _narwhal import RequestTimeout

    def run(lane):
        # request_timeout's exception reaches the greenlet where it waits,
        # and the bridge answers 504 with the traceback of where that was.
        if request_timeout > 0:
            with gevent.Timeout(request_timeout, RequestTimeout):
                run_lane(lane)
        else:
            run_lane(lane)

    hub = get_hub()
    readable = hub.loop.io(efd, 1)
    idle = []  # Waiters of greenlets waiting for a lane
    busy = [0]
    done = Waiter()

    def worker():
        w = Waiter()
        while True:
            idle.append(w)
            lane = w.get()
            if lane is None:
                return
            busy[0] += 1
            try:
                run(lane)
            finally:
                busy[0] -= 1
                if stopping[0] and busy[0] == 0:
                    hub.loop.run_callback(done.switch, None)

    def heartbeat():
        while True:
            beat()
            gevent.sleep(beat_every)

    beater = gevent.spawn(heartbeat)
    stopping = [False]
    while not stopping[0]:
        hub.wait(readable)
        try:
            os.read(efd, 8)
        except BlockingIOError:
            pass
        while True:
            lane = take()
            if lane == -1:
                break
            if lane == -2:
                stopping[0] = True
                break
            if not idle:
                gevent.spawn(worker)
                gevent.sleep(0)  # let it start and wait
            hub.loop.run_callback(idle.pop().switch, lane)
    if busy[0]:
        done.get()
    for w in idle:
        hub.loop.run_callback(w.switch, None)
    beater.kill()
