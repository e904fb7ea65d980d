// A simulated disk on the virtual clock: the engine's BlockDevice.
//
// A SimDisk serves requests against a DiskModel (content semantics, see
// disk_model.h) with a performance model and a fault plan:
//  - queue depth: at most options().queue_depth requests are served at once;
//    later ones wait in arrival order (a freed slot goes straight to the
//    oldest waiter, so nobody overtakes). Since service times are known when
//    a request starts, a request's start is known when it arrives (the slot
//    that falls free first).
//  - service time, from the moment a request gets its slot:
//      fixed latency (latency_ns; flush: flush_latency_ns)
//      + bytes / bandwidth for reads and writes (rounded up to whole ns)
//      + jitter, uniform in [0, jitter_ns], drawn from the disk's latency stream.
//    With shared_bandwidth, the transfers of in-flight requests take turns
//    on one channel in slot order: a transfer starts when the channel is
//    free, and the latency and jitter follow it. The slot falls free when
//    the service time ends.
//  - content, by default (io_model atomic, no completion delay, no write
//    cache): a write (zero write, discard) changes the content when its
//    service time ends; a read captures the content then; the caller resumes
//    and observers see the end at that same instant. A failed request
//    changes nothing.
//  - faults: the fault plan decides when a request starts (its time window
//    and counts refer to start times and start order); the request still
//    takes its service time, then fails. A thin disk's ENOSPC comes from
//    the image when the write is applied.
//  - a misaligned, empty or out-of-range request fails with EINVAL at once,
//    without a slot or service time. A payload that is not a ContentPayload
//    of the request's length is an engine bug: InvariantViolation.
//
// An unkind world: DiskOptions switches, all off by default (a disk with
// the defaults draws and logs exactly what it did before they existed).
// A request's completion delay is drawn when it starts, from the disk's
// stream "io/<id>". Its plan (pieces, then instants, then torn subset) comes
// from a stream of its own, ItemStream(key of "plan/<id>", request id): the
// same plan whenever it is drawn, at the start, or later for a deferred
// request (see lazy moves), or never when nothing needs it.
//  - Pieces. With io_model split, a read or write is cut at 4 KiB
//    boundaries, a zero write or discard at cluster boundaries (raw: 4 KiB),
//    counted from the disk start, into n pieces: n uniform in
//    [1, min(kMaxIoPieces, boundaries inside the range + 1)], the cuts a
//    uniform choice of n - 1 distinct boundaries inside the range. Each
//    piece gets an instant uniform in [start, end] of the service time, and
//    the pieces move in (instant, offset) order while the requesting task
//    waits for its completion: a read piece captures the content at its
//    instant, a write piece lands at its instant as a request of its own to
//    the image (the COW rule and capacity apply per piece). A read's payload
//    is its pieces' captures put together in offset order. With io_model
//    atomic, a request is one piece that moves when its service time ends.
//  - Completion. A request completes completion_delay_ns after its service
//    time ends (with reorder: a delay uniform in [0, completion_delay_ns]
//    per request, so completions need not follow the order in which service
//    ends; without, the order of ends is kept). At the completion, and only
//    then: the request counts in stats(), kDiskRequestEnd is logged,
//    observers' on_request_end run (end_ns = the completion instant) and
//    the caller resumes. So for every request
//      data moves (each piece)  <=  service end (slot free)  <=  completion,
//    and other tasks run in between.
//  - Torn failures. A write, zero write or discard failed by a FaultRule
//    with `torn` is cut into pieces as above even with io_model atomic, and
//    each piece lands with probability 1/2 (at its instant; atomic: all at
//    the service end); the request then completes with the rule's errno.
//    An untorn fault moves no data.
//  - Partial ENOSPC. In split mode a thin image checks capacity per piece:
//    the first piece (in move order) that would overflow fails, neither it
//    nor any later piece lands, the pieces before it stay, and the request
//    completes with ENOSPC. (Atomic: the whole request fails, changing nothing.)
//  - Write cache. With write_cache, every landed piece of a write, zero
//    write or discard is volatile until a flush that *started after the
//    request completed* completes successfully (whatever the request's
//    outcome: the landed pieces of a torn or ENOSPC write too). FUA is not
//    modelled. The guest (reads, snapshot()) sees volatile data like any
//    other; durable_snapshot() is what would survive losing all of it.
//  - Power loss. power_loss() drops a seeded subset of the volatile pieces
//    (PowerLossMode), rebuilds the image as the durable content with the
//    kept pieces replayed in landing order, and makes that durable. Requests
//    in flight (issued, not completed: queued, in service or in their
//    completion delay) move no more data and complete, at their planned
//    instants, with EIO; a flush among them makes nothing durable. Pieces
//    they landed before the power loss were volatile and were kept or
//    dropped with the rest. Without write_cache nothing is volatile: a power
//    loss only fails the requests in flight.
//
// Everything a request does is in the event log: kDiskRequestStart and
// kDiskRequestEnd (subject = disk id, a = offset, b = length | op << 56,
// c = errno at the end) and kFaultInjected for each fault from the plan.
// With any unkind switch on or a torn fault, kDiskDataMoved for each piece
// that moves (a/b as above for the piece, c = request id; one for the whole
// range of a request moved unplanned, see lazy plans), kDiskDurable at
// each successful flush with a write cache and kPowerLoss at each power
// loss. Observers see each request start and end and each piece's data
// move; snapshot() takes the guest-visible content at any instant, cheaply.
//
// Each disk draws from its own streams "latency/<id>", "faults/<id>" and
// "io/<id>", so one disk's draws never shift another's.
//
// Lazy moves. A disk whose observers want no data moves (none, or each
// answering wants_data_moves() false when a request starts) and whose image
// nobody else holds (no other shared_ptr to it then) has nobody to show a
// move to at its instant, so it moves that request's pieces lazily rather than
// in a scheduler event each: due pieces (instant <= now) move, in
// (instant, offset, request) order across the disk's requests, before
// anything can see or change the disk's content: a request's completion,
// image(), shared_image(), snapshot(), durable_snapshot(),
// volatile_pieces(), block_status(), attach_backing() and power_loss().
// The same pieces move at the same instants as with eager moves, and the
// calls above see the same content; pieces of two requests at one instant
// go by (offset, request) here, by event order when eager. Each
// kDiskDataMoved record carries its piece's instant but is appended when
// the piece moves (so after records of other disks and tasks with later
// times). A reference to the image kept from before a request started
// does not settle the pieces due since: read through the calls above.
// Observers get no on_data_moved for a lazy request's pieces. A
// lazy read captures its pieces through the backing chain when they move,
// so a backing must not change while the disk has reads in flight
// (backings are read-only images in every use here).
// Requests go further: their pieces stay out of the queue (deferred) and
// move only when something could tell: a read's captures are its own
// until it completes, and a change's landings matter only to what touches
// its clusters. A deferred piece moves when a piece it must precede is
// about to move (a landing over a read, a capture or a landing in the
// clusters of a change: the deferred pieces ordered before it move first,
// by (instant, offset, request)); when block_status() asks about its
// clusters, or a call above looks at the whole disk (then its pieces due
// by now); and at its completion. There a request none of whose pieces had
// to move, and between whose first and last pieces no deferred piece
// comes, moves as one capture or one landing of its whole range. Each of
// its planned pieces still logs its kDiskDataMoved record and instant; a write
// cache holds such a change as one landing. Lazy plans: a deferred request
// (untorn) draws its plan only when a piece of it could have to move (a
// move, look or settle as above at or after its service start); one that
// completes without that, with no other deferred request in its clusters,
// was seen by nobody in service, so it moves as one capture or landing at
// its service end and logs one kDiskDataMoved record for its whole range
// at that instant (a write cache still counts the pieces its plan would
// have: the plan's first draw). Content, reads, block status and power
// losses are the same as eager moves give; only such requests' move
// records differ. Changes on a thin image (capacity set) are not
// deferred: which piece runs out of space depends on the order pieces land
// in, so they wait in the queue. A deferred change lands later than pieces
// of other requests that it does not touch, so a power loss takes requests
// in issue order, not in landing order.
//
// REQUIRES: I/O calls (not info, block_status, snapshots, power_loss) come
// from inside a simulation task. The simulation and the content source
// outlive the disk. With write_cache, content changes go through the SimDisk
// (and a backing image is attached through it). What is written to the
// image directly while no landing is volatile counts as durable at once, as
// a prefill does; while landings are volatile it cannot be told from their
// changes, and the next landing, durable snapshot or power loss throws
// InvariantViolation (a disk written straight into for good calls
// end_write_cache() first).
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <boost/container/static_vector.hpp>

#include "engine/block_device.h"
#include "sim/disks/content.h"
#include "sim/disks/disk_image.h"
#include "sim/disks/disk_model.h"
#include "sim/disks/disk_op.h"
#include "sim/disks/disk_view.h"
#include "sim/disks/extent_log.h"
#include "sim/disks/fault_plan.h"
#include "sim/disks/range_list.h"
#include "sim/kernel/random.h"
#include "sim/kernel/simulation.h"

namespace mirrorsim::sim {

// At most this many pieces per request in split mode: a format driver cuts
// a request at a few cluster or page boundaries, not at every one.
inline constexpr std::uint32_t kMaxIoPieces = 4;
// Reads and writes are cut at multiples of this (a page); zero writes and
// discards at multiples of the larger of this and the cluster size.
inline constexpr std::uint64_t kIoPieceUnitBytes = 4096;

// Which volatile pieces survive a power loss.
enum class PowerLossMode : std::uint8_t {
  // Each volatile request's pieces are kept together with probability 1/2,
  // one draw per request in issue order (the subsets CrashMonkey explores).
  kAnySubset,
  // The volatile requests are kept in issue order up to k of them, k
  // uniform in [0, volatile requests] (a cache that writes back in the
  // order requests reached it; a request's pieces go together, as above).
  kInOrderPrefix,
};
// "any_subset", "in_order_prefix".
std::string_view power_loss_mode_name(PowerLossMode mode);
std::optional<PowerLossMode> parse_power_loss_mode(std::string_view name);

struct PowerLossResult {
  std::uint64_t pieces_kept = 0;  // volatile pieces that survived
  std::uint64_t pieces_dropped = 0;
  // Requests with at least one piece dropped, ascending.
  std::vector<std::uint64_t> dropped_requests;
  // Requests in flight at the power loss: each completes with EIO.
  std::uint32_t requests_failed = 0;
};

// One request as observers see it.
struct DiskRequest {
  std::uint64_t id = 0;  // per disk, from 1, in submission order
  std::uint32_t disk = 0;
  DiskOp op = DiskOp::kRead;
  std::uint64_t offset = 0;
  std::uint64_t length = 0;  // 0 for a flush
  engine::TimeNs start_ns = 0;
  engine::TimeNs end_ns = 0;  // set at the end (the completion)
  int error = 0;              // set at the end
};

// Sees every request of the disks it is added to. Callbacks run at the
// instant of the start, of each piece's data move and of the end, inside
// the requesting task, except the moves of an unkind request's pieces
// before its completion: those run in a scheduler event on the blocked
// task's behalf. They must not block and must not add or remove observers.
// REQUIRES: observers are added while no unkind request is in flight (a
// disk without observers that want data moves moves pieces lazily, see
// SimDisk).
class DiskObserver {
 public:
  virtual ~DiskObserver() = default;
  virtual void on_request_start(const DiskRequest& request) { (void)request; }
  // Bytes [offset, offset + length) of `request` were just captured (read)
  // or landed (write, zero write, discard). Atomic requests: once, for the
  // whole range, right before on_request_end (when they succeed).
  virtual void on_data_moved(const DiskRequest& request, std::uint64_t offset,
                             std::uint64_t length) {
    (void)request;
    (void)offset;
    (void)length;
  }
  virtual void on_request_end(const DiskRequest& request) { (void)request; }
  // Whether to call on_data_moved for the pieces of an unkind request that
  // starts now (asked at its start). While no observer wants them, the disk
  // may move pieces lazily (see SimDisk) and tells nobody of them.
  virtual bool wants_data_moves() const { return true; }
};

struct DiskStats {
  std::uint64_t reads = 0;
  std::uint64_t writes = 0;
  std::uint64_t zero_writes = 0;
  std::uint64_t discards = 0;
  std::uint64_t flushes = 0;
  std::uint64_t bytes_read = 0;     // by successful reads
  std::uint64_t bytes_written = 0;  // by successful writes
  std::uint64_t errors = 0;         // requests that failed, for any reason
  std::uint64_t faults_injected = 0;
  std::uint32_t max_in_flight = 0;
  std::uint32_t max_queued = 0;
};

class SimDisk final : public engine::BlockDevice {
 public:
  // Serves `image` (shared: properties keep it to inspect content). When
  // the image's options ask for start_with_old_data, fills it with old data
  // from a fresh value of `content`. `id` identifies the disk in the log.
  // Throws std::invalid_argument when the options ask for a write cache and
  // the image is not a DiskImage.
  SimDisk(Simulation& simulation, ContentSource& content, std::uint32_t id,
          std::shared_ptr<DiskModel> image);
  // The same over a new extent image (DiskImage) built from `options`, whose
  // name names the disk. Throws std::invalid_argument on bad options.
  SimDisk(Simulation& simulation, ContentSource& content, std::uint32_t id, DiskOptions options);
  SimDisk(const SimDisk&) = delete;
  SimDisk& operator=(const SimDisk&) = delete;
  ~SimDisk() override;

  std::uint32_t id() const { return id_; }
  const std::string& name() const { return image_->name(); }
  const DiskOptions& options() const { return image_->options(); }
  // These three settle the pieces due by now first (see lazy moves above).
  DiskModel& image() {
    settle_before_change();
    return *image_;
  }
  const DiskModel& image() const {
    settle();
    return *image_;
  }
  const std::shared_ptr<DiskModel>& shared_image() const {
    settle_before_change();
    return image_;
  }

  void set_fault_plan(FaultPlan plan) { faults_ = std::move(plan); }
  FaultPlan& fault_plan() { return faults_; }
  const FaultPlan& fault_plan() const { return faults_; }

  // REQUIRES: `observer` outlives the disk or is removed first.
  void add_observer(DiskObserver& observer);
  void remove_observer(DiskObserver& observer);

  // Attaches the backing image the disk names (the pivot does this); see
  // DiskModel::attach_backing. Takes effect at once.
  void attach_backing(std::shared_ptr<DiskModel> backing);

  // What the guest reads now, through the backing chain: a cheap snapshot.
  GuestView snapshot() const {
    settle();
    return image_->guest_view();
  }
  // What the guest would read after a power loss that dropped every
  // volatile piece: snapshot() without a write cache. As cheap.
  GuestView durable_snapshot() const;
  // Landed pieces not yet durable (0 without a write cache).
  std::size_t volatile_pieces() const;
  // Takes what the image holds now as durable: for data put straight into
  // the image before anything ran (the world's [[prefill]], state the host
  // flushed before the job). REQUIRES: no piece is volatile.
  void adopt_image_as_durable();
  // Stops modelling the write cache, for a disk that has become a record
  // rather than a device (the World's source after the pivot, which it
  // writes straight into): what is volatile now counts as durable, later
  // changes are durable at once, and nothing more is logged for it.
  void end_write_cache();

  // A power loss now: see the header comment. Draws from `stream` (the
  // caller's, so the disk's own streams stay unshifted). Logged as
  // kPowerLoss (a = pieces kept, b = pieces dropped, c = mode).
  PowerLossResult power_loss(PowerLossMode mode, RandomStream& stream);

  // A guest write of fresh content: `length` bytes of a new value from the
  // content source, stored in *value when given. Same path as write().
  engine::IoStatus write_fresh(std::uint64_t offset, std::uint64_t length,
                               std::uint64_t* value = nullptr);

  const DiskStats& stats() const { return stats_; }
  // Requests being served now, and requests waiting for a slot (a request
  // in its completion delay is neither).
  std::uint32_t in_flight() const;
  std::size_t queued() const;

  // engine::BlockDevice
  engine::DeviceInfo info() const override;
  engine::IoStatus read(std::uint64_t offset, std::uint64_t length,
                        engine::PayloadPtr& out) override;
  engine::IoStatus write(std::uint64_t offset, std::uint64_t length,
                         const engine::Payload& data) override;
  engine::IoStatus write_zeroes(std::uint64_t offset, std::uint64_t length,
                                bool may_unmap) override;
  engine::IoStatus discard(std::uint64_t offset, std::uint64_t length) override;
  engine::IoStatus flush() override;
  // Instant (no service time, not logged). The run is clamped to the disk end.
  // REQUIRES: offset aligned and < length, length > 0 (else InvariantViolation).
  engine::BlockStatus block_status(std::uint64_t offset, std::uint64_t length) override;

 private:
  // One piece of a request and when its data moves.
  struct Piece {
    std::uint64_t offset = 0;
    std::uint64_t length = 0;
    engine::TimeNs at_ns = 0;
    bool lands = true;  // false: a torn write leaves it out
  };
  // Fixed capacity: no growth path to call out of line.
  using Pieces = boost::container::static_vector<Piece, kMaxIoPieces>;
  // A read's captures, by offset (one per piece: no allocation).
  using Captures =
      boost::container::static_vector<std::pair<std::uint64_t, ContentPayload>, kMaxIoPieces>;
  // What a request asks for.
  struct Request {
    DiskRequest seen;                      // as observers see it
    const ContentPayload* data = nullptr;  // write
    bool may_unmap = false;                // write_zeroes
    Captures* captures = nullptr;          // read
    bool lazy = false;                     // its pieces move lazily: observers are not told
    // Flush: the completion stamps handed out when it started.
    std::uint64_t flush_stamp = 0;
    // Write cache: the sequence numbers of its landings.
    boost::container::static_vector<std::uint64_t, kMaxIoPieces> landed;
  };
  // A landed piece of a content change, or a deferred change that landed
  // whole, while a write cache holds it. Trivially destructible and 48
  // bytes, its undo record kept apart in undo_log_: a cache that is never
  // flushed holds one per piece or whole change of the run.
  struct Landing {
    // Its seq (landing order, from 0 for the disk's life) is base_seq() plus
    // its index in volatile_: landings leave from the front only.
    std::uint64_t request = 0;
    std::uint64_t offset = 0;
    std::uint64_t length = 0;
    std::uint64_t completed = 0;  // its request's completion stamp; 0 in flight
    // At first_undo in undo_log_: its undo record (undo_count runs), the
    // layer's runs it could alter as they were before it landed. A record
    // that is one hole (a first write there) is not stored: no record is
    // that (any other has at least one run). A write's content is not kept:
    // the live layer with the newer landings undone holds it (see replay).
    ExtentLog::Position first_undo = 0;
    std::uint32_t undo_count = 0;
    DiskOp op = DiskOp::kWrite;
    bool may_unmap = false;
    bool durable = false;
    std::uint8_t pieces = 1;  // how many of its request's pieces it stands for
  };
  static_assert(std::is_trivially_destructible_v<Landing> && sizeof(Landing) == 48);

  // Moves a request's pieces at their instants before the task's wake (its
  // completion), each as a plain scheduler event: the requesting task stays
  // blocked through them (no switch into it per piece) and is woken then.
  // Lives in the task's frame, which outlives every firing.
  struct PieceMover final : Event {
    SimDisk* disk = nullptr;
    Request* request = nullptr;
    Pieces* pieces = nullptr;
    // A deferred request's plan is drawn when first needed (see lazy plans).
    bool planned = true;
    engine::TimeNs start_ns = 0;  // its service time: [start_ns, end_ns]
    engine::TimeNs end_ns = 0;
    std::size_t next = 0;  // the first piece not yet moved or skipped
    std::uint64_t epoch = 0;
    engine::TimeNs wake = 0;  // when the task resumes: the completion
    engine::TaskId task = engine::kNoTask;
    int error = 0;          // ENOSPC from a piece: no later piece moves
    bool queued = false;    // in the disk's lazy queue (lazy_)
    bool deferred = false;  // in deferred_reads_ or deferred_changes_
    PieceMover() = default;
    PieceMover(const PieceMover&) = delete;
    PieceMover& operator=(const PieceMover&) = delete;
    // A task unwound in the middle of a lazy request leaves the queue.
    ~PieceMover();
    void fire() override;
    // Steps past the pieces a torn write leaves out; false when none is left.
    bool skip_to_landing();
  };
  // A lazily moving request's next piece: the queue's key and its mover.
  struct DuePiece {
    engine::TimeNs at_ns = 0;
    std::uint64_t offset = 0;
    std::uint64_t request = 0;
    PieceMover* mover = nullptr;
  };
  // Orders the lazy queue as a min-heap on (instant, offset, request).
  struct MovesLater {
    bool operator()(const DuePiece& x, const DuePiece& y) const {
      if (x.at_ns != y.at_ns) return x.at_ns > y.at_ns;
      if (x.offset != y.offset) return x.offset > y.offset;
      return x.request > y.request;
    }
  };

  static Request request_of(DiskOp op, std::uint64_t offset, std::uint64_t length);
  engine::IoStatus execute(Request& request);
  // The default path: data moves at the service end, no extra draws or events.
  int serve_atomic(Request& request, int fault);
  // Everything else (see the header comment).
  int serve_unkind(Request& request, int fault, bool torn);
  // Draws a deferred mover's plan if it has none yet.
  void ensure_planned(PieceMover& mover);
  // How many pieces the request's plan cuts it into: its first draw.
  std::uint64_t piece_count(const DiskRequest& request, bool torn, ItemStream& draws) const;
  // Cuts a request into pieces and draws their instants in [start, end],
  // from the request's own stream: the same plan whenever it is drawn.
  Pieces plan_pieces(const DiskRequest& request, engine::TimeNs start, engine::TimeNs end,
                     bool torn);
  // Moves the landing pieces due by now, in order, until a power loss or
  // an error stops them; leaves mover.next at the first piece still to move.
  void move_due_pieces(PieceMover& mover);
  // Moves the mover's next piece (it lands; it is due) unless a power loss
  // or an earlier ENOSPC stopped the request, and steps past it.
  void move_next_piece(PieceMover& mover);
  // Lazy moves: queues the mover's first landing piece, if any.
  void queue_lazily(PieceMover& mover);
  // Where a piece comes in the order pieces move: (instant, offset, request).
  struct MoveKey {
    engine::TimeNs at_ns = 0;
    std::uint64_t offset = 0;
    std::uint64_t request = 0;
    auto operator<=>(const MoveKey&) const = default;
  };
  // Deferred requests (see lazy moves above): moves the mover's pieces
  // ordered before `key`, in order.
  void move_deferred_before(PieceMover& mover, const MoveKey& key);
  // Before the piece `key` over [offset, offset + length) moves: the
  // deferred pieces it must follow move first. A change follows the
  // deferred reads and changes that touch its clusters, a read the deferred
  // changes. `self` (the mover whose piece it is) is left out.
  void move_deferred_under(const MoveKey& key, std::uint64_t offset, std::uint64_t length,
                           bool change, const PieceMover* self);
  // At a deferred request's completion: its pieces not moved yet move now,
  // as one capture or one landing of the whole range when none has had to
  // move and nothing deferred comes between its first and last pieces.
  void finish_deferred(PieceMover& mover);
  // A deferred request's whole range moves at once: one capture, or one
  // change and (write cache) one landing standing for `pieces` pieces.
  void move_whole(PieceMover& mover, std::uint64_t pieces);
  // Deferred changes touching the clusters of [offset, offset + length)
  // land their pieces due by now (what block status and snapshots show).
  void land_deferred_due(std::uint64_t offset, std::uint64_t length);
  // [offset, end) rounded out to whole clusters (raw: as it is).
  std::pair<std::uint64_t, std::uint64_t> cluster_span(std::uint64_t offset,
                                                       std::uint64_t length) const;
  // Moves every queued piece due by now, in order (see lazy moves above).
  // Logically const: the content is what it is at now either way.
  void settle() const;
  void settle_due();
  // settle(), and deferred reads take their due pieces: for the calls after
  // which the content may change other than through a request.
  void settle_before_change() const;
  // Restores the lazy queue's heap order after its front entry changed.
  void sift_down_front();
  // Takes an unwound mover's pieces out of the lazy queue.
  void forget(const PieceMover& mover);
  // Moves one piece's data, due at `at`: capture or land. Returns its
  // errno (ENOSPC).
  int move_piece(Request& request, std::uint64_t offset, std::uint64_t length, engine::TimeNs at);
  // Applies a change of the request's to the image (`data`: a write's).
  // With a write cache, first takes its undo record into undo_runs_.
  // Returns its errno (ENOSPC).
  int change_image(const Request& request, std::uint64_t offset, std::uint64_t length,
                   const ContentPayload* data);
  // After a piece moved at `at`: logs it (unkind), tells observers,
  // remembers a landing.
  void moved(Request& request, std::uint64_t offset, std::uint64_t length, engine::TimeNs at,
             bool log_it);
  void log_move(const Request& request, std::uint64_t offset, std::uint64_t length,
                engine::TimeNs at);
  // With a write cache: a volatile landing of [offset, offset + length) of
  // the request's change, with the undo record change_image took.
  void land(Request& request, std::uint64_t offset, std::uint64_t length, std::uint8_t pieces = 1);
  void sleep_until(engine::TimeNs when);
  void finish(Request& request, int error);

  // Write cache: stamps a completed request's landings; makes the landings
  // completed by `stamp` durable (a flush that started then completed).
  void stamp_landings(const Request& request);
  void make_durable(std::uint64_t stamp);
  // An empty image of the cached image's geometry that never runs out of
  // space (what the cache held fitted once).
  std::unique_ptr<DiskImage> scratch_image() const;
  // Attaches the backing to `image` (a replay's scratch) before it applies
  // the landing `seq`, if that landed with the backing attached.
  void attach_backing_if_due(DiskImage& image, std::uint64_t seq) const;
  // Applies a landing to `image`; `content` is a write's.
  engine::IoStatus apply_landing(DiskImage& image, const Landing& landing,
                                 std::span<const Extent> content) const;
  // Puts back what a landing altered on `image` (its undo record).
  void undo_landing(DiskImage& image, const Landing& landing) const;
  // Drops the first `count` landings of volatile_ and their undo records.
  void drop_front_landings(std::size_t count);
  // Drops the durable prefix of volatile_: the base (the live layer with
  // every volatile landing undone) then holds it, at no cost.
  void drop_durable_prefix();
  // Asserts that the live image changed only through this disk's landings
  // since volatile_ was last empty (else undoing them cannot give the base).
  void check_changed_only_by_landings() const;
  // The base (the live layer with every volatile landing undone, newest
  // first) with the landings for which keep(index in volatile_) holds
  // replayed on it in landing order, the backing attached where it was.
  template <typename Keep>
  DiskImage::LayerState replay(Keep keep) const;
  // The base with the durable landings replayed: what survives losing the
  // rest. REQUIRES: volatile_ is not empty.
  const DiskImage::LayerState& durable_state() const;
  // The seq of the first landing in volatile_ (the next one when empty).
  std::uint64_t base_seq() const;

  bool valid_range(std::uint64_t offset, std::uint64_t length) const;
  // Service time of a request that gets its slot at `start`.
  engine::TimeNs service_time(DiskOp op, std::uint64_t length, engine::TimeNs start);
  // When a request arriving now gets a slot, and so starts; reserves it.
  engine::TimeNs claim_slot();
  // Counts the unkind requests whose service ended by now out of outstanding_.
  void settle_ends();
  // Marks the claimed slot busy until `end`.
  void occupy_slot(engine::TimeNs start, engine::TimeNs end);
  void log(EventKind kind, const DiskRequest& request, int error);

  Simulation& simulation_;
  ContentSource& content_;
  std::uint32_t id_;
  std::shared_ptr<DiskModel> image_;
  FaultPlan faults_;
  RandomStream latency_stream_;
  RandomStream fault_stream_;
  RandomStream io_stream_;
  std::uint64_t plan_key_ = 0;  // each request's plan: ItemStream(plan_key_, id)
  // Some switch of the unkind world is on (the default path is off limits).
  bool unkind_ = false;
  // When each busy slot falls free, as a min-heap; fewer entries than the
  // queue depth means some slots are free.
  std::vector<engine::TimeNs> slot_free_;
  // Start times of requests in arrival order (and so in start order); those
  // past now have started and are dropped at the next arrival.
  std::deque<engine::TimeNs> starts_;
  std::uint32_t outstanding_ = 0;  // requests with a slot claimed, not ended
  // Service ends of unkind requests still counted in outstanding_, in
  // order: their tasks do not wake at the end (only at the completion),
  // so the ends are settled when the count is next read.
  std::deque<engine::TimeNs> unkind_ends_;
  std::uint32_t unfinished_ = 0;  // requests issued (valid), not completed
  engine::TimeNs channel_free_ns_ = 0;
  std::uint64_t next_request_id_ = 1;
  std::vector<DiskObserver*> observers_;
  // Lazy moves: each lazily moving request's next piece, as a min-heap
  // (MovesLater). Never more entries than requests in flight.
  std::vector<DuePiece> lazy_;
  // Lazy reads in flight whose pieces wait until something needs them, by
  // their ranges.
  RangeList<PieceMover> deferred_reads_;
  // Lazy content changes in flight whose pieces wait the same way (only on
  // an image without a capacity: which piece runs out of space depends on
  // the order in which pieces land, so a thin image's pieces land in order).
  RangeList<PieceMover> deferred_changes_;
  bool defer_changes_ = false;
  DiskStats stats_;
  // Power losses so far: a request that sees it change fails with EIO.
  std::uint64_t epoch_ = 0;

  // --- Write cache (null images when off) ---
  DiskImage* cache_image_ = nullptr;
  // Changes this disk's requests made to the image, and that count and the
  // live image's changes() when volatile_ was last empty.
  std::uint64_t own_changes_ = 0;
  std::uint64_t own_changes_at_base_ = 0;
  std::uint64_t live_changes_at_base_ = 0;
  // The undo record of the change being applied, until it lands.
  std::vector<Extent> undo_runs_;
  // The base with the durable landings replayed, made when asked for and
  // dropped when a flush or a power loss changes what is durable.
  mutable std::optional<DiskImage::LayerState> durable_;
  // Landings since the base, in landing order. A deque: a flush drops its
  // durable prefix from the front, and growth moves no landing (a source
  // whose guest never flushes collects landings for the whole run).
  std::deque<Landing> volatile_;
  // The landings' undo records, in landing order.
  ExtentLog undo_log_;
  // The landings in volatile_ that completed and are not durable yet, as
  // seqs in completion (stamp) order: a flush makes a prefix of them
  // durable without scanning volatile_.
  std::deque<std::uint64_t> completed_volatile_;
  std::size_t not_durable_ = 0;  // pieces in volatile_ not durable yet
  std::uint64_t next_seq_ = 0;
  std::uint64_t completions_ = 0;  // completion stamps handed out
  // The first landing applied with the backing attached (UINT64_MAX: not
  // attached through this disk).
  std::uint64_t attach_seq_ = UINT64_MAX;
};

}  // namespace mirrorsim::sim
