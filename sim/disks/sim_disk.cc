// How a request runs (the header says what it guarantees):
//   execute   logs the start, tells observers, checks the range, asks the
//             fault plan, then serves the request on one of two paths:
//   serve_atomic  when no unkind switch is on and the fault is not torn: one
//             sleep to the service end, where the data moves. This is the
//             path every run took before the unkind world existed; it draws
//             and logs nothing new.
//   serve_unkind  plans the pieces (a deferred request: when needed, if
//             ever) and draws the completion delay, moves each
//             piece at its instant (unless a power loss came in between)
//             and wakes the task at the completion (service end + delay).
//             With observers, the pieces move in plain scheduler events
//             (PieceMover) while the task stays blocked; without, they are
//             deferred (deferred_reads_, deferred_changes_: a thin image's
//             changes wait in the ordered queue lazy_ instead) and move when
//             something needs them, often as one at the completion: no event
//             per piece at all (finish_deferred). The slot's end is
//             settled when the in-flight count is next read: a switch into
//             the task per piece and at the service end cost more than the
//             moves themselves.
//   finish    counts the request, stamps its landed pieces as completed and
//             lets a flush make pieces durable (write cache), logs the end
//             and tells observers.
//
// Write cache bookkeeping: volatile_ lists the landings of content changes
// (a landed piece, or a deferred change that landed whole) in landing order
// since the base, the layer as it was before the first of them. Each keeps
// an undo record: the runs of the layer it could alter (its clusters), as
// they were just before it landed. The live image is the base with all of
// them applied in order; the base is the live layer with all of them undone,
// newest first; the durable content is the base with only the durable ones
// applied again (made when asked for: at a durable snapshot or a power
// loss, both rare). A flush marks pieces durable and drops the durable
// prefix of volatile_, whose landings the base then holds: nothing is
// copied or applied, and the live image's pages are never shared, so a
// guest write after a flush changes its page in place. Replays attach the
// backing before the first landing that landed with it attached, so the
// COW rule fills as it did live; they run on a scratch image built from a
// snapshot of the live layer (copy-on-write: cheap).
#include "sim/disks/sim_disk.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cerrno>
#include <functional>
#include <map>
#include <numeric>
#include <set>
#include <span>
#include <stdexcept>
#include <utility>

#include "engine/invariant.h"

namespace mirrorsim::sim {
namespace {

std::string stream_name(std::string_view base, std::uint32_t id) {
  return std::string(base) + "/" + std::to_string(id);
}

}  // namespace

std::string_view power_loss_mode_name(PowerLossMode mode) {
  switch (mode) {
    case PowerLossMode::kAnySubset:
      return "any_subset";
    case PowerLossMode::kInOrderPrefix:
      return "in_order_prefix";
  }
  return "unknown";
}

std::optional<PowerLossMode> parse_power_loss_mode(std::string_view name) {
  for (PowerLossMode mode : {PowerLossMode::kAnySubset, PowerLossMode::kInOrderPrefix}) {
    if (power_loss_mode_name(mode) == name) return mode;
  }
  return std::nullopt;
}

SimDisk::SimDisk(Simulation& simulation, ContentSource& content, std::uint32_t id,
                 std::shared_ptr<DiskModel> image)
    : simulation_(simulation),
      content_(content),
      id_(id),
      image_(std::move(image)),
      latency_stream_(simulation.stream(stream_name(streams::kLatency, id))),
      fault_stream_(simulation.stream(stream_name(streams::kFaults, id))),
      io_stream_(simulation.stream(stream_name(streams::kIo, id))),
      plan_key_(simulation.stream(stream_name(streams::kPlan, id)).next_u64()) {
  MIRRORSIM_ASSERT(image_ != nullptr, "a SimDisk needs an image");
  const DiskOptions& o = image_->options();
  o.validate();
  if (o.start_with_old_data) image_->fill_with_old_data(content_.next());
  unkind_ = o.io_model != IoModel::kAtomic || o.completion_delay_ns > 0 || o.write_cache;
  defer_changes_ = o.capacity_bytes == 0;
  if (o.write_cache) {
    cache_image_ = dynamic_cast<DiskImage*>(image_.get());
    if (cache_image_ == nullptr) {
      throw std::invalid_argument("disk '" + o.name +
                                  "': write_cache needs an extent image (DiskImage)");
    }
  }
}

SimDisk::SimDisk(Simulation& simulation, ContentSource& content, std::uint32_t id,
                 DiskOptions options)
    : SimDisk(simulation, content, id, std::make_shared<DiskImage>(std::move(options))) {}

SimDisk::~SimDisk() {
  // Tasks still blocked in a lazy request unwind after the disk is gone.
  for (const DuePiece& due : lazy_) due.mover->disk = nullptr;
  for (const auto& read : deferred_reads_.entries()) read.item->disk = nullptr;
  for (const auto& change : deferred_changes_.entries()) change.item->disk = nullptr;
}

void SimDisk::add_observer(DiskObserver& observer) {
  settle_before_change();
  // A deferred request whose pieces have all moved (or that a power loss
  // stopped) only waits for its completion: it has nothing left to show.
  const auto done = [this](const RangeList<PieceMover>::Entry& d) {
    return !d.item->skip_to_landing() || d.item->epoch != epoch_;
  };
  const bool deferred_done =
      std::all_of(deferred_reads_.entries().begin(), deferred_reads_.entries().end(), done) &&
      std::all_of(deferred_changes_.entries().begin(), deferred_changes_.entries().end(), done);
  MIRRORSIM_ASSERT(lazy_.empty() && deferred_done,
                   "disk '" + name() +
                       "': an observer added while pieces wait to move lazily "
                       "would miss them");
  observers_.push_back(&observer);
}

void SimDisk::remove_observer(DiskObserver& observer) {
  observers_.erase(std::remove(observers_.begin(), observers_.end(), &observer), observers_.end());
}

void SimDisk::attach_backing(std::shared_ptr<DiskModel> backing) {
  settle_before_change();
  image_->attach_backing(std::move(backing));
  if (cache_image_ != nullptr && attach_seq_ == UINT64_MAX) attach_seq_ = next_seq_;
}

engine::DeviceInfo SimDisk::info() const {
  const DiskOptions& o = image_->options();
  engine::DeviceInfo info;
  info.name = o.name;
  info.length = o.length_bytes;
  info.cluster_bytes = o.cluster_bytes;
  info.backing_attached = image_->backing() != nullptr;
  info.backing_named = !o.backing_name.empty() || info.backing_attached;
  info.zero_init = o.zero_init;
  info.discard_reads_zero = o.discard_reads_zero;
  return info;
}

bool SimDisk::valid_range(std::uint64_t offset, std::uint64_t length) const {
  const std::uint64_t size = image_->length();
  return offset % kSectorSize == 0 && length % kSectorSize == 0 && length > 0 && offset <= size &&
         length <= size - offset;
}

engine::TimeNs SimDisk::service_time(DiskOp op, std::uint64_t length, engine::TimeNs start) {
  const DiskOptions& o = image_->options();
  const engine::TimeNs fixed = op == DiskOp::kFlush ? o.flush_latency_ns : o.latency_ns;
  const engine::TimeNs jitter = o.jitter_ns > 0
                                    ? static_cast<engine::TimeNs>(latency_stream_.between(
                                          0, static_cast<std::uint64_t>(o.jitter_ns)))
                                    : 0;
  engine::TimeNs transfer = 0;
  if ((op == DiskOp::kRead || op == DiskOp::kWrite) && o.bandwidth_bytes_per_s > 0) {
    const unsigned __int128 ns = static_cast<unsigned __int128>(length) * engine::kNsPerSecond;
    transfer =
        static_cast<engine::TimeNs>((ns + o.bandwidth_bytes_per_s - 1) / o.bandwidth_bytes_per_s);
  }
  if (o.shared_bandwidth && transfer > 0) {
    channel_free_ns_ = std::max(start, channel_free_ns_) + transfer;
    return channel_free_ns_ - start + fixed + jitter;
  }
  return fixed + transfer + jitter;
}

engine::TimeNs SimDisk::claim_slot() {
  const engine::TimeNs now = simulation_.now();
  while (!starts_.empty() && starts_.front() <= now) starts_.pop_front();
  const std::uint32_t depth = image_->options().queue_depth;
  if (slot_free_.size() < depth) return now;
  // FIFO: earlier arrivals hold the earlier-freed slots, so this request
  // takes the first slot to fall free after all of theirs.
  std::pop_heap(slot_free_.begin(), slot_free_.end(), std::greater<>{});
  const engine::TimeNs start = std::max(now, slot_free_.back());
  slot_free_.pop_back();
  return start;
}

void SimDisk::occupy_slot(engine::TimeNs start, engine::TimeNs end) {
  slot_free_.push_back(end);
  std::push_heap(slot_free_.begin(), slot_free_.end(), std::greater<>{});
  settle_ends();
  // claim_slot() dropped the starts up to now: those left are all queued.
  const auto queued_now = static_cast<std::uint32_t>(starts_.size());
  if (start > simulation_.now()) {
    stats_.max_queued = std::max(stats_.max_queued, queued_now + 1);
    // It starts when another request ends: every slot is busy then.
    stats_.max_in_flight = std::max(stats_.max_in_flight, image_->options().queue_depth);
  } else {
    stats_.max_in_flight = std::max(stats_.max_in_flight, outstanding_ - queued_now + 1);
  }
  starts_.push_back(start);
  ++outstanding_;
}

std::size_t SimDisk::queued() const {
  // Starts never decrease along starts_, so the queued ones are a suffix.
  return static_cast<std::size_t>(
      starts_.end() - std::upper_bound(starts_.begin(), starts_.end(), simulation_.now()));
}

std::uint32_t SimDisk::in_flight() const {
  const engine::TimeNs now = simulation_.now();
  const auto ended = static_cast<std::uint32_t>(std::count_if(
      unkind_ends_.begin(), unkind_ends_.end(), [now](engine::TimeNs end) { return end <= now; }));
  return outstanding_ - ended - static_cast<std::uint32_t>(queued());
}

void SimDisk::settle_ends() {
  const engine::TimeNs now = simulation_.now();
  while (!unkind_ends_.empty() && unkind_ends_.front() <= now) {
    unkind_ends_.pop_front();
    --outstanding_;
  }
}

void SimDisk::log(EventKind kind, const DiskRequest& request, int error) {
  simulation_.log().append(simulation_.now(), kind, id_, request.offset,
                           pack_length_op(request.length, request.op),
                           static_cast<std::uint64_t>(error));
}

void SimDisk::sleep_until(engine::TimeNs when) {
  const engine::TimeNs now = simulation_.now();
  if (when > now) simulation_.sleep_for(when - now);
}

engine::IoStatus SimDisk::execute(Request& r) {
  DiskRequest& request = r.seen;
  request.id = next_request_id_++;
  request.disk = id_;
  request.start_ns = simulation_.now();
  log(EventKind::kDiskRequestStart, request, 0);
  for (DiskObserver* observer : observers_) observer->on_request_start(request);

  int error = 0;
  if (request.op != DiskOp::kFlush && !valid_range(request.offset, request.length)) {
    error = EINVAL;
  } else {
    bool torn = false;
    const int fault = faults_.decide({request.op, request.offset, request.length, request.start_ns},
                                     fault_stream_, &torn);
    if (fault != 0) {
      log(EventKind::kFaultInjected, request, fault);
      ++stats_.faults_injected;
    }
    torn = torn && changes_content(request.op);
    r.flush_stamp = completions_;
    ++unfinished_;
    image_->prefetch(request.offset);  // its cache misses overlap other tasks' work
    error = unkind_ || torn ? serve_unkind(r, fault, torn) : serve_atomic(r, fault);
    --unfinished_;
  }
  finish(r, error);
  return {error};
}

int SimDisk::serve_atomic(Request& r, int fault) {
  const DiskRequest& request = r.seen;
  const std::uint64_t epoch = epoch_;
  const engine::TimeNs start = claim_slot();
  const engine::TimeNs end = start + service_time(request.op, request.length, start);
  occupy_slot(start, end);
  simulation_.sleep_for(end - simulation_.now());
  --outstanding_;
  if (epoch_ != epoch) return EIO;
  if (fault != 0) return fault;
  if (request.op == DiskOp::kFlush) return 0;
  settle_due();  // a torn request's lazy pieces due by now move first
  const int error = move_piece(r, request.offset, request.length, simulation_.now());
  if (error == 0) moved(r, request.offset, request.length, simulation_.now(), false);
  return error;
}

int SimDisk::serve_unkind(Request& r, int fault, bool torn) {
  const DiskRequest& request = r.seen;
  const DiskOptions& o = image_->options();
  const std::uint64_t epoch = epoch_;
  const engine::TimeNs start = claim_slot();
  const engine::TimeNs end = start + service_time(request.op, request.length, start);
  occupy_slot(start, end);
  // The slot falls free at the end without waking this task there.
  // Kept sorted: slots are taken in arrival order, so an end mostly goes
  // last or near it (a step or two back, no heap's sift of mispredicted
  // compares).
  auto later = unkind_ends_.end();
  while (later != unkind_ends_.begin() && *(later - 1) > end) --later;
  unkind_ends_.insert(later, end);
  const bool moves = fault == 0 || torn;
  // Nobody to show a move to at its instant: the pieces wait in the lazy
  // queue, and the wake's settle below moves them (and every other due one).
  const bool lazy = image_.use_count() == 1 &&
                    std::none_of(observers_.begin(), observers_.end(),
                                 [](const DiskObserver* o) { return o->wants_data_moves(); });
  r.lazy = lazy;
  const bool read = request.op == DiskOp::kRead;
  const bool deferred = moves && lazy && (read || defer_changes_);
  Pieces pieces;
  // A deferred request's plan waits until something needs it.
  const bool plan_now = moves && request.op != DiskOp::kFlush && (!deferred || torn);
  if (plan_now) pieces = plan_pieces(request, start, end, torn);
  const engine::TimeNs delay = o.reorder
                                   ? static_cast<engine::TimeNs>(io_stream_.between(
                                         0, static_cast<std::uint64_t>(o.completion_delay_ns)))
                                   : o.completion_delay_ns;
  PieceMover mover;
  mover.disk = this;
  mover.request = &r;
  mover.pieces = &pieces;
  mover.epoch = epoch;
  // A deferred request's plan is drawn when needed; a flush's is empty.
  mover.planned = !deferred || torn || request.op == DiskOp::kFlush;
  mover.start_ns = start;
  mover.end_ns = end;
  // The task wakes once: at the completion (the service end plus the delay).
  mover.wake = end + delay;
  if (deferred) {
    mover.deferred = true;
    (read ? deferred_reads_ : deferred_changes_)
        .insert(request.offset, request.offset + request.length, &mover);
  } else if (moves && lazy) {
    queue_lazily(mover);
  } else if (moves) {
    move_due_pieces(mover);
    if (mover.next < pieces.size() && pieces[mover.next].at_ns < mover.wake) {
      // The pieces before the wake move as events; the mover wakes this
      // task. (Pieces at the wake, if any, move here as the task wakes.)
      mover.task = simulation_.current();
      simulation_.scheduler().at(pieces[mover.next].at_ns, mover);
      simulation_.block("its request's pieces to move");
    }
  }
  sleep_until(mover.wake);
  // Deferred changes land now, after a wait that evicted what the request's
  // first prefetch brought in: fetched again, it arrives while due pieces
  // and deferred neighbours settle.
  if (deferred && !read) image_->prefetch(request.offset);
  if (deferred) {
    settle_due();
    finish_deferred(mover);
  } else if (moves && lazy) {
    settle_due();
    MIRRORSIM_ASSERT(!mover.queued,
                     "disk '" + name() + "': a request completed with pieces unmoved");
  } else if (moves) {
    move_due_pieces(mover);
  }
  if (epoch_ != epoch) return EIO;
  return fault != 0 ? fault : mover.error;
}

void SimDisk::PieceMover::fire() {
  disk->move_due_pieces(*this);
  if (next < pieces->size() && (*pieces)[next].at_ns < wake) {
    disk->simulation_.scheduler().at((*pieces)[next].at_ns, *this);
  } else {
    disk->simulation_.wake_at(task, wake);
  }
}

SimDisk::PieceMover::~PieceMover() {
  if (queued && disk != nullptr) disk->forget(*this);
  if (deferred && disk != nullptr) {
    disk->deferred_reads_.erase(request->seen.offset, this);
    disk->deferred_changes_.erase(request->seen.offset, this);
  }
}

bool SimDisk::PieceMover::skip_to_landing() {
  // Unplanned (deferred, untorn): every piece lands and none has moved, but
  // there are no pieces to index yet: a caller that reads them plans first.
  if (!planned) return true;
  while (next < pieces->size() && !(*pieces)[next].lands) ++next;
  return next < pieces->size();
}

void SimDisk::move_next_piece(PieceMover& mover) {
  const Piece& piece = (*mover.pieces)[mover.next];
  if (epoch_ != mover.epoch) {
    mover.next = mover.pieces->size();
    return;
  }
  mover.error = move_piece(*mover.request, piece.offset, piece.length, piece.at_ns);
  if (mover.error != 0) {
    mover.next = mover.pieces->size();  // ENOSPC: this piece and those after it do not land
    return;
  }
  moved(*mover.request, piece.offset, piece.length, piece.at_ns, true);
  ++mover.next;
}

void SimDisk::move_due_pieces(PieceMover& mover) {
  settle_due();  // lazy pieces of requests started before observers were gone
  const engine::TimeNs now = simulation_.now();
  while (mover.skip_to_landing() && (*mover.pieces)[mover.next].at_ns <= now) {
    move_next_piece(mover);
  }
}

void SimDisk::queue_lazily(PieceMover& mover) {
  if (!mover.skip_to_landing()) return;
  const Piece& piece = (*mover.pieces)[mover.next];
  lazy_.push_back({piece.at_ns, piece.offset, mover.request->seen.id, &mover});
  std::push_heap(lazy_.begin(), lazy_.end(), MovesLater{});
  mover.queued = true;
}

void SimDisk::ensure_planned(PieceMover& mover) {
  if (mover.planned) return;
  *mover.pieces = plan_pieces(mover.request->seen, mover.start_ns, mover.end_ns, false);
  mover.planned = true;
}

void SimDisk::move_deferred_before(PieceMover& mover, const MoveKey& key) {
  // Every piece moves at or after the service start: before it nothing is
  // due, and the plan can wait.
  if (key.at_ns < mover.start_ns) return;
  ensure_planned(mover);
  const Pieces& pieces = *mover.pieces;
  const std::uint64_t id = mover.request->seen.id;
  while (mover.skip_to_landing()) {
    const Piece& piece = pieces[mover.next];
    if (!(MoveKey{piece.at_ns, piece.offset, id} < key)) break;
    move_next_piece(mover);
  }
}

std::pair<std::uint64_t, std::uint64_t> SimDisk::cluster_span(std::uint64_t offset,
                                                              std::uint64_t length) const {
  const std::uint64_t cluster = image_->options().cluster_bytes;
  if (cluster == 0) return {offset, offset + length};
  return {offset / cluster * cluster, (offset + length + cluster - 1) / cluster * cluster};
}

void SimDisk::move_deferred_under(const MoveKey& key, std::uint64_t offset, std::uint64_t length,
                                  bool change, const PieceMover* self) {
  // Whole clusters: a change can fill the rest of a cluster it touches (the
  // COW rule), so two changes in one cluster need not commute.
  const auto [lo, hi] = cluster_span(offset, length);
  const auto follow = [this, self, &key](PieceMover* mover) {
    if (mover != self) move_deferred_before(*mover, key);
  };
  if (change) deferred_reads_.for_each_touching(lo, hi, follow);
  deferred_changes_.for_each_touching(lo, hi, follow);
}

void SimDisk::finish_deferred(PieceMover& mover) {
  Request& r = *mover.request;
  const Pieces& pieces = *mover.pieces;
  const bool change = r.seen.op != DiskOp::kRead;
  if (epoch_ == mover.epoch && !mover.planned) {
    // Nothing has needed its plan. Unless another deferred request in its
    // clusters could come between its pieces, nobody can tell its pieces
    // from one move at its service end: it moves so, with no plan drawn.
    const auto [lo, hi] = cluster_span(r.seen.offset, r.seen.length);
    bool alone = true;
    const auto other = [&mover, &alone](PieceMover* m) { alone = alone && m == &mover; };
    if (change) deferred_reads_.for_each_touching(lo, hi, other);
    deferred_changes_.for_each_touching(lo, hi, other);
    if (alone) {
      // A write cache counts the pieces its plan would have: the count is
      // the plan's first draw.
      ItemStream draws(plan_key_, r.seen.id);
      move_whole(mover, change ? piece_count(r.seen, false, draws) : 1);
      log_move(r, r.seen.offset, r.seen.length, mover.end_ns);
      (change ? deferred_changes_ : deferred_reads_).erase(r.seen.offset, &mover);
      mover.deferred = false;
      return;
    }
    ensure_planned(mover);
  }
  if (epoch_ == mover.epoch && mover.skip_to_landing()) {
    const bool untouched = mover.next == 0 && std::all_of(pieces.begin(), pieces.end(),
                                                          [](const Piece& p) { return p.lands; });
    // The deferred pieces ordered before our last one move first. One of
    // them that comes after our first piece moves ours before it (a piece
    // that moves makes those it must follow move), and then ours go one by
    // one; otherwise nothing comes between them and ours move as one.
    const Piece& last = pieces.back();  // all land when untouched
    move_deferred_under({last.at_ns, last.offset, r.seen.id}, r.seen.offset, r.seen.length, change,
                        &mover);
    if (untouched && mover.next == 0 && epoch_ == mover.epoch) {
      move_whole(mover, pieces.size());
      for (const Piece& piece : pieces) log_move(r, piece.offset, piece.length, piece.at_ns);
      mover.next = pieces.size();
    } else {
      while (mover.skip_to_landing()) move_next_piece(mover);
    }
  }
  (change ? deferred_changes_ : deferred_reads_).erase(r.seen.offset, &mover);
  mover.deferred = false;
}

void SimDisk::move_whole(PieceMover& mover, std::uint64_t pieces) {
  Request& r = *mover.request;
  if (r.seen.op == DiskOp::kRead) {
    r.captures->emplace_back(r.seen.offset, image_->read(r.seen.offset, r.seen.length));
    return;
  }
  mover.error = change_image(r, r.seen.offset, r.seen.length, r.data);
  MIRRORSIM_ASSERT(mover.error == 0, "disk '" + name() + "': a change without a capacity failed");
  // A write cache holds what landed as one change: one landing.
  land(r, r.seen.offset, r.seen.length, static_cast<std::uint8_t>(pieces));
}

void SimDisk::land_deferred_due(std::uint64_t offset, std::uint64_t length) {
  if (deferred_changes_.empty()) return;
  const auto [lo, hi] = cluster_span(offset, length);
  const MoveKey due{simulation_.now(), UINT64_MAX, UINT64_MAX};
  deferred_changes_.for_each_touching(
      lo, hi, [this, &due](PieceMover* change) { move_deferred_before(*change, due); });
}

void SimDisk::settle() const {
  // The content at now is the same whether or not due pieces have moved:
  // moving them is bookkeeping that a const reader may trigger.
  SimDisk& self = *const_cast<SimDisk*>(this);
  self.settle_due();
  self.land_deferred_due(0, image_->length());
}

void SimDisk::settle_before_change() const {
  settle();
  SimDisk& self = *const_cast<SimDisk*>(this);
  const MoveKey due{simulation_.now(), UINT64_MAX, UINT64_MAX};
  for (const auto& read : self.deferred_reads_.entries())
    self.move_deferred_before(*read.item, due);
}

void SimDisk::settle_due() {
  const engine::TimeNs now = simulation_.now();
  while (!lazy_.empty() && lazy_.front().at_ns <= now) {
    PieceMover& mover = *lazy_.front().mover;
    move_next_piece(mover);
    if (mover.skip_to_landing()) {
      // The mover's next piece takes its place: one sift down, no pop and push.
      const Piece& piece = (*mover.pieces)[mover.next];
      lazy_.front() = {piece.at_ns, piece.offset, mover.request->seen.id, &mover};
      sift_down_front();
    } else {
      std::pop_heap(lazy_.begin(), lazy_.end(), MovesLater{});
      lazy_.pop_back();
      mover.queued = false;
    }
  }
}

void SimDisk::sift_down_front() {
  const MovesLater later;
  const std::size_t size = lazy_.size();
  const DuePiece moving = lazy_.front();
  std::size_t at = 0;
  while (true) {
    std::size_t child = 2 * at + 1;
    if (child >= size) break;
    if (child + 1 < size && later(lazy_[child], lazy_[child + 1])) ++child;
    if (!later(moving, lazy_[child])) break;
    lazy_[at] = lazy_[child];
    at = child;
  }
  lazy_[at] = moving;
}

void SimDisk::forget(const PieceMover& mover) {
  lazy_.erase(std::remove_if(lazy_.begin(), lazy_.end(),
                             [&mover](const DuePiece& due) { return due.mover == &mover; }),
              lazy_.end());
  std::make_heap(lazy_.begin(), lazy_.end(), MovesLater{});
}

namespace {
// Puts the smaller of the two first (a compare-exchange; no branch).
void order_pair(std::uint64_t& a, std::uint64_t& b) {
  const std::uint64_t low = std::min(a, b);
  b = std::max(a, b);
  a = low;
}

// Where a request may be cut: boundaries first << shift ... last << shift lie
// strictly inside it (inside of them).
struct CutPoints {
  int shift = 0;
  std::uint64_t first = 0;
  std::uint64_t inside = 0;
};
CutPoints cut_points(const DiskRequest& request, std::uint64_t cluster_bytes) {
  const std::uint64_t unit = request.op == DiskOp::kRead || request.op == DiskOp::kWrite
                                 ? kIoPieceUnitBytes
                                 : std::max(kIoPieceUnitBytes, cluster_bytes);
  // The unit is a power of two (a page, or a validated cluster size): shifts.
  const int shift = std::countr_zero(unit);
  const std::uint64_t first = (request.offset >> shift) + 1;
  const std::uint64_t last = (request.offset + request.length - 1) >> shift;
  return {shift, first, last >= first ? last - first + 1 : 0};
}
}  // namespace

std::uint64_t SimDisk::piece_count(const DiskRequest& request, bool torn, ItemStream& draws) const {
  const DiskOptions& o = image_->options();
  if (o.io_model != IoModel::kSplit && !torn) return 1;
  const CutPoints cuts = cut_points(request, o.cluster_bytes);
  return draws.between(1, std::min<std::uint64_t>(kMaxIoPieces, cuts.inside + 1));
}

SimDisk::Pieces SimDisk::plan_pieces(const DiskRequest& request, engine::TimeNs start,
                                     engine::TimeNs end, bool torn) {
  const DiskOptions& o = image_->options();
  const bool split = o.io_model == IoModel::kSplit;
  Pieces pieces;
  if (!split && !torn) {
    pieces.push_back({request.offset, request.length, end, true});
    return pieces;
  }
  ItemStream draws(plan_key_, request.id);
  const std::uint64_t count = piece_count(request, torn, draws);
  const std::uint64_t stop = request.offset + request.length;
  const auto [shift, first, inside] = cut_points(request, o.cluster_bytes);
  // Piece k is [bounds[k], bounds[k + 1]). The count - 1 <= inside cuts in
  // between are distinct (a repeat is drawn again), then sorted; unused
  // slots hold UINT64_MAX and sort last. The sorts are fixed-size
  // compare-exchanges, not loops with random trip counts: a plan per
  // request is on the unkind world's hottest path.
  static_assert(kMaxIoPieces == 4, "the sorting networks below are for four pieces");
  std::array<std::uint64_t, kMaxIoPieces - 1> cut;
  cut.fill(UINT64_MAX);
  for (std::size_t c = 0; c + 1 < count; ++c) {
    std::uint64_t drawn = 0;
    do {
      drawn = (first + draws.below(inside)) << shift;
    } while ((c > 0 && drawn == cut[0]) || (c > 1 && drawn == cut[1]));
    cut[c] = drawn;
  }
  order_pair(cut[0], cut[1]);
  order_pair(cut[1], cut[2]);
  order_pair(cut[0], cut[1]);
  std::array<std::uint64_t, kMaxIoPieces + 1> bounds{request.offset, cut[0], cut[1], cut[2], 0};
  bounds[count] = stop;
  // Drawn in piece (offset) order: the instants, then the torn subset. An
  // instant's key carries its piece's index in the low bits, so sorting the
  // keys moves the pieces in (instant, offset) order.
  MIRRORSIM_ASSERT(start >= 0 && end >= start && end < (engine::TimeNs{1} << 61),
                   "a service time outside what a plan's keys can hold");
  std::array<std::uint64_t, kMaxIoPieces> key;
  key.fill(UINT64_MAX);
  for (std::size_t k = 0; k < count; ++k) {
    const engine::TimeNs at = split ? start + static_cast<engine::TimeNs>(draws.between(
                                                  0, static_cast<std::uint64_t>(end - start)))
                                    : end;
    key[k] = (static_cast<std::uint64_t>(at) << 2) | k;
  }
  std::array<bool, kMaxIoPieces> lands;
  lands.fill(true);
  if (torn) {
    for (std::size_t k = 0; k < count; ++k) lands[k] = draws.chance(0.5);
  }
  order_pair(key[0], key[1]);
  order_pair(key[2], key[3]);
  order_pair(key[0], key[2]);
  order_pair(key[1], key[3]);
  order_pair(key[1], key[2]);
  for (std::size_t i = 0; i < count; ++i) {
    const std::size_t k = key[i] & 3;
    pieces.push_back(
        {bounds[k], bounds[k + 1] - bounds[k], static_cast<engine::TimeNs>(key[i] >> 2), lands[k]});
  }
  return pieces;
}

int SimDisk::move_piece(Request& r, std::uint64_t offset, std::uint64_t length, engine::TimeNs at) {
  const DiskRequest& request = r.seen;
  if (!deferred_reads_.empty() || !deferred_changes_.empty()) {
    // The mover of this piece, when deferred, is left out by its range:
    // its own earlier pieces have moved already.
    move_deferred_under({at, offset, request.id}, offset, length, changes_content(request.op),
                        nullptr);
  }
  if (request.op == DiskOp::kRead) {
    r.captures->emplace_back(offset, image_->read(offset, length));
    return 0;
  }
  const ContentPayload* data = nullptr;
  ContentPayload slice;  // a piece's part of the write
  if (request.op == DiskOp::kWrite) {
    if (offset == request.offset && length == request.length) {
      data = r.data;
    } else {
      slice = r.data->slice(offset - request.offset, length);
      data = &slice;
    }
  }
  return change_image(r, offset, length, data);
}

int SimDisk::change_image(const Request& r, std::uint64_t offset, std::uint64_t length,
                          const ContentPayload* data) {
  if (cache_image_ != nullptr) {
    if (volatile_.empty()) {
      // Whatever was written straight to the image since is the base now.
      live_changes_at_base_ = cache_image_->changes();
      own_changes_at_base_ = own_changes_;
      durable_.reset();
    }
    check_changed_only_by_landings();
    undo_runs_.clear();
    if (r.seen.op == DiskOp::kWrite) {
      MIRRORSIM_ASSERT(data != nullptr && data->length() == length,
                       "disk '" + name() + "': a write to apply needs its data");
      const int error = cache_image_->write_keeping_undo(offset, *data, undo_runs_).error;
      if (error == 0) ++own_changes_;
      return error;
    }
    cache_image_->append_runs_a_change_alters(offset, length, undo_runs_);
  }
  const int error = apply_change(*image_, r.seen.op, offset, length, data, r.may_unmap).error;
  if (error == 0) ++own_changes_;
  return error;
}

void SimDisk::moved(Request& r, std::uint64_t offset, std::uint64_t length, engine::TimeNs at,
                    bool log_it) {
  if (log_it) log_move(r, offset, length, at);
  if (changes_content(r.seen.op)) land(r, offset, length);
  if (r.lazy) return;
  for (DiskObserver* observer : observers_) observer->on_data_moved(r.seen, offset, length);
}

void SimDisk::log_move(const Request& r, std::uint64_t offset, std::uint64_t length,
                       engine::TimeNs at) {
  simulation_.log().append(at, EventKind::kDiskDataMoved, id_, offset,
                           pack_length_op(length, r.seen.op), r.seen.id);
}

void SimDisk::land(Request& r, std::uint64_t offset, std::uint64_t length, std::uint8_t pieces) {
  if (cache_image_ == nullptr) return;
  const DiskRequest& request = r.seen;
  Landing landing;
  landing.request = request.id;
  landing.op = request.op;
  landing.offset = offset;
  landing.length = length;
  landing.may_unmap = r.may_unmap;
  // A first write over a hole (every copy to a fresh target) keeps no runs.
  const bool one_hole = undo_runs_.size() == 1 && undo_runs_.front().value == kHoleRunValue;
  const std::span<const Extent> undo =
      one_hole ? std::span<const Extent>() : std::span<const Extent>(undo_runs_);
  landing.undo_count = static_cast<std::uint32_t>(undo.size());
  landing.first_undo = undo_log_.append(undo);
  landing.pieces = pieces;
  r.landed.push_back(next_seq_++);
  volatile_.push_back(landing);
  not_durable_ += pieces;
}

void SimDisk::finish(Request& r, int error) {
  DiskRequest& request = r.seen;
  request.end_ns = simulation_.now();
  request.error = error;
  switch (request.op) {
    case DiskOp::kRead:
      ++stats_.reads;
      break;
    case DiskOp::kWrite:
      ++stats_.writes;
      break;
    case DiskOp::kWriteZeroes:
      ++stats_.zero_writes;
      break;
    case DiskOp::kDiscard:
      ++stats_.discards;
      break;
    case DiskOp::kFlush:
      ++stats_.flushes;
      break;
  }
  if (error != 0) {
    ++stats_.errors;
  } else if (request.op == DiskOp::kRead) {
    stats_.bytes_read += request.length;
  } else if (request.op == DiskOp::kWrite) {
    stats_.bytes_written += request.length;
  }
  if (cache_image_ != nullptr) {
    if (!r.landed.empty()) stamp_landings(r);
    if (request.op == DiskOp::kFlush && error == 0) make_durable(r.flush_stamp);
  }
  log(EventKind::kDiskRequestEnd, request, error);
  for (DiskObserver* observer : observers_) observer->on_request_end(request);
}

std::uint64_t SimDisk::base_seq() const {
  return next_seq_ - volatile_.size();
}

void SimDisk::stamp_landings(const Request& r) {
  const std::uint64_t stamp = ++completions_;
  const std::uint64_t first = base_seq();
  for (const std::uint64_t seq : r.landed) {
    if (seq < first) continue;  // a power loss rebuilt the image since
    Landing& landing = volatile_.at(seq - first);
    MIRRORSIM_ASSERT(landing.completed == 0,
                     "disk '" + name() + "': landing " + std::to_string(seq) + " stamped twice");
    landing.completed = stamp;
    completed_volatile_.push_back(seq);
  }
}

void SimDisk::make_durable(std::uint64_t stamp) {
  std::uint64_t made = 0;
  const std::uint64_t first = base_seq();
  while (!completed_volatile_.empty()) {
    Landing& landing = volatile_.at(completed_volatile_.front() - first);
    if (landing.completed > stamp) break;
    completed_volatile_.pop_front();
    landing.durable = true;
    made += landing.pieces;
  }
  not_durable_ -= made;
  drop_durable_prefix();
  if (made > 0) durable_.reset();
  simulation_.log().append(simulation_.now(), EventKind::kDiskDurable, id_, made,
                           volatile_pieces());
}

void SimDisk::check_changed_only_by_landings() const {
  // Every change this disk's requests made landed (one landing per piece,
  // or one for a deferred change that lands whole); any other change was
  // written to the image directly, which the undo records know nothing of.
  MIRRORSIM_ASSERT(
      volatile_.empty() ||
          cache_image_->changes() - live_changes_at_base_ == own_changes_ - own_changes_at_base_,
      "disk '" + name() +
          "': its image was changed other than through the disk while its write cache held "
          "volatile data");
}

void SimDisk::drop_durable_prefix() {
  std::size_t durable = 0;
  while (durable < volatile_.size() && volatile_[durable].durable) ++durable;
  drop_front_landings(durable);
}

void SimDisk::drop_front_landings(std::size_t count) {
  if (count == 0) return;
  // Undo records follow landing order, so the dropped ones come first (a
  // landing without a record holds the position where its next would go).
  if (count < volatile_.size()) {
    undo_log_.drop_before(volatile_[count].first_undo);
  } else {
    undo_log_.clear();
  }
  volatile_.erase(volatile_.begin(), volatile_.begin() + static_cast<std::ptrdiff_t>(count));
}

engine::IoStatus SimDisk::apply_landing(DiskImage& image, const Landing& l,
                                        std::span<const Extent> content) const {
  if (l.op != DiskOp::kWrite)
    return apply_change(image, l.op, l.offset, l.length, nullptr, l.may_unmap);
  const ContentPayload data(content);
  return apply_change(image, l.op, l.offset, l.length, &data, l.may_unmap);
}

void SimDisk::undo_landing(DiskImage& image, const Landing& l) const {
  if (l.undo_count == 0) {  // one hole over its span
    const auto [from, to] = image.span_of_change(l.offset, l.length);
    const Extent hole{from, to - from, kHoleRunValue, 0};
    image.put_back_runs(std::span<const Extent>(&hole, 1));
    return;
  }
  image.put_back_runs(undo_log_.at(l.first_undo, l.undo_count));
}

std::unique_ptr<DiskImage> SimDisk::scratch_image() const {
  DiskOptions o = cache_image_->options();
  o.capacity_bytes = 0;  // what the cache held fitted once: its replay never fails
  o.start_with_old_data = false;
  return std::make_unique<DiskImage>(std::move(o), cache_image_->layer().page_bytes());
}

void SimDisk::attach_backing_if_due(DiskImage& image, std::uint64_t seq) const {
  const std::shared_ptr<DiskImage>& backing = cache_image_->shared_backing();
  // A backing attached other than through this disk was there from the start.
  const std::uint64_t attach_at = attach_seq_ == UINT64_MAX ? 0 : attach_seq_;
  if (backing != nullptr && image.backing() == nullptr && seq >= attach_at) {
    image.attach_backing(backing);
  }
}

template <typename Keep>
DiskImage::LayerState SimDisk::replay(Keep keep) const {
  check_changed_only_by_landings();
  const std::unique_ptr<DiskImage> scratch = scratch_image();
  scratch->restore(cache_image_->save());
  // Walking back from the live layer, the scratch holds each landing's
  // result until that landing is undone: a kept write's content is read
  // there first (no landing keeps it, which would double what a cache
  // that is never flushed holds; a replay holds the kept ones' for a moment).
  struct Kept {
    std::size_t index;  // in volatile_
    std::size_t first;  // its content in `contents` (a write's)
    std::size_t count;
  };
  std::vector<Kept> kept;  // newest first
  std::vector<Extent> contents;
  for (std::size_t i = volatile_.size(); i-- > 0;) {
    const Landing& l = volatile_[i];
    if (keep(i)) {
      const std::size_t first = contents.size();
      if (l.op == DiskOp::kWrite) scratch->append_content(l.offset, l.length, contents);
      kept.push_back({i, first, contents.size() - first});
    }
    undo_landing(*scratch, l);
  }
  const std::uint64_t base = base_seq();
  attach_backing_if_due(*scratch, base);
  for (auto it = kept.rbegin(); it != kept.rend(); ++it) {
    const Landing& l = volatile_[it->index];
    const std::uint64_t seq = base + it->index;
    attach_backing_if_due(*scratch, seq);
    const std::span<const Extent> content(contents.data() + it->first, it->count);
    const engine::IoStatus status = apply_landing(*scratch, l, content);
    MIRRORSIM_ASSERT(status.ok(),
                     "disk '" + name() + "': replay of landing " + std::to_string(seq) + " failed");
  }
  return scratch->save();
}

const DiskImage::LayerState& SimDisk::durable_state() const {
  if (!durable_) durable_ = replay([this](std::size_t i) { return volatile_[i].durable; });
  return *durable_;
}

GuestView SimDisk::durable_snapshot() const {
  settle();
  // With nothing volatile the live image is durable (and no copy of it is
  // kept, which would make its next writes copy the pages they change).
  if (cache_image_ == nullptr || volatile_.empty()) return image_->guest_view();
  check_changed_only_by_landings();  // durable_ may be from before such a change
  return cache_image_->view_of(durable_state());
}

std::size_t SimDisk::volatile_pieces() const {
  settle();
  return not_durable_;
}

void SimDisk::end_write_cache() {
  settle_before_change();
  cache_image_ = nullptr;
  volatile_.clear();
  undo_log_.clear();
  completed_volatile_.clear();
  not_durable_ = 0;
  durable_.reset();
}

void SimDisk::adopt_image_as_durable() {
  MIRRORSIM_ASSERT(volatile_.empty(), "disk '" + name() + "': data landed before the prefill");
  // With nothing volatile, the image is the base already.
  durable_.reset();
}

PowerLossResult SimDisk::power_loss(PowerLossMode mode, RandomStream& stream) {
  settle_before_change();  // what was due by now moved before the power went
  PowerLossResult result;
  result.requests_failed = unfinished_;
  ++epoch_;  // requests in flight move no more data and fail
  if (cache_image_ != nullptr && !volatile_.empty()) {
    std::vector<bool> keep(volatile_.size(), true);
    // Requests in issue order (which is the order they started in): a
    // deferred change lands after pieces of later requests, and eager and
    // deferred moves of one run must decide alike.
    std::vector<std::size_t> order(volatile_.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::stable_sort(order.begin(), order.end(), [this](std::size_t x, std::size_t y) {
      return volatile_[x].request < volatile_[y].request;
    });
    // A request's pieces are kept or dropped together: one draw each, or
    // one prefix of them all.
    std::uint64_t survive = 0;
    if (mode == PowerLossMode::kInOrderPrefix) {
      std::set<std::uint64_t> volatile_requests;
      for (const Landing& l : volatile_) {
        if (!l.durable) volatile_requests.insert(l.request);
      }
      survive = stream.between(0, volatile_requests.size());
    }
    std::map<std::uint64_t, bool> kept_request;
    for (const std::size_t i : order) {
      if (volatile_[i].durable) continue;
      auto [it, fresh] = kept_request.try_emplace(volatile_[i].request, false);
      if (fresh && mode == PowerLossMode::kAnySubset) it->second = stream.chance(0.5);
      if (fresh && mode == PowerLossMode::kInOrderPrefix && survive > 0) {
        it->second = true;
        --survive;
      }
      keep[i] = it->second;
    }
    for (std::size_t i = 0; i < volatile_.size(); ++i) {
      if (volatile_[i].durable) continue;
      if (keep[i]) {
        result.pieces_kept += volatile_[i].pieces;
      } else {
        result.pieces_dropped += volatile_[i].pieces;
        result.dropped_requests.push_back(volatile_[i].request);
      }
    }
    std::sort(result.dropped_requests.begin(), result.dropped_requests.end());
    result.dropped_requests.erase(
        std::unique(result.dropped_requests.begin(), result.dropped_requests.end()),
        result.dropped_requests.end());
    cache_image_->restore(replay([&keep](std::size_t i) { return keep[i]; }));
    durable_.reset();
    drop_front_landings(volatile_.size());
    completed_volatile_.clear();
    not_durable_ = 0;
  }
  simulation_.log().append(simulation_.now(), EventKind::kPowerLoss, id_, result.pieces_kept,
                           result.pieces_dropped, static_cast<std::uint64_t>(mode));
  return result;
}

engine::IoStatus SimDisk::read(std::uint64_t offset, std::uint64_t length,
                               engine::PayloadPtr& out) {
  Captures captures;
  Request r;
  r.seen.op = DiskOp::kRead;
  r.seen.offset = offset;
  r.seen.length = length;
  r.captures = &captures;
  const engine::IoStatus status = execute(r);
  if (!status.ok()) return status;
  if (captures.size() == 1) {
    out = std::make_unique<ContentPayload>(std::move(captures.front().second));
    return status;
  }
  // Put together in offset order: an insertion sort of a handful of indices.
  std::array<std::size_t, kMaxIoPieces> order;
  for (std::size_t i = 0; i < captures.size(); ++i) {
    std::size_t to = i;
    for (; to > 0 && captures[order[to - 1]].first > captures[i].first; --to) {
      order[to] = order[to - 1];
    }
    order[to] = i;
  }
  std::array<ContentPayload, kMaxIoPieces> parts;  // no allocation
  for (std::size_t i = 0; i < captures.size(); ++i) {
    parts[i] = std::move(captures[order[i]].second);
  }
  out = std::make_unique<ContentPayload>(
      ContentPayload::concat(std::span<const ContentPayload>(parts.data(), captures.size())));
  return status;
}

SimDisk::Request SimDisk::request_of(DiskOp op, std::uint64_t offset, std::uint64_t length) {
  Request r;
  r.seen.op = op;
  r.seen.offset = offset;
  r.seen.length = length;
  return r;
}

engine::IoStatus SimDisk::write(std::uint64_t offset, std::uint64_t length,
                                const engine::Payload& data) {
  const auto* content = dynamic_cast<const ContentPayload*>(&data);
  MIRRORSIM_ASSERT(content != nullptr, "disk '" + name() + "' was given a foreign payload");
  MIRRORSIM_ASSERT(content->length() == length,
                   "disk '" + name() + "': write of " + std::to_string(length) +
                       " bytes with a payload of " + std::to_string(content->length()));
  Request r = request_of(DiskOp::kWrite, offset, length);
  r.data = content;
  return execute(r);
}

engine::IoStatus SimDisk::write_fresh(std::uint64_t offset, std::uint64_t length,
                                      std::uint64_t* value) {
  const std::uint64_t v = content_.next();
  if (value != nullptr) *value = v;
  if (length == 0 || length % kSectorSize != 0) {
    // Not a payload anyone could build: still a request, failing with EINVAL.
    Request r = request_of(DiskOp::kWrite, offset, length);
    return execute(r);
  }
  return write(offset, length, ContentPayload::fresh(v, length));
}

engine::IoStatus SimDisk::write_zeroes(std::uint64_t offset, std::uint64_t length, bool may_unmap) {
  Request r = request_of(DiskOp::kWriteZeroes, offset, length);
  r.may_unmap = may_unmap;
  return execute(r);
}

engine::IoStatus SimDisk::discard(std::uint64_t offset, std::uint64_t length) {
  Request r = request_of(DiskOp::kDiscard, offset, length);
  return execute(r);
}

engine::IoStatus SimDisk::flush() {
  Request r = request_of(DiskOp::kFlush, 0, 0);
  return execute(r);
}

engine::BlockStatus SimDisk::block_status(std::uint64_t offset, std::uint64_t length) {
  MIRRORSIM_ASSERT(offset % kSectorSize == 0 && length > 0 && offset < image_->length(),
                   "disk '" + name() + "': block_status at " + std::to_string(offset) + " length " +
                       std::to_string(length) + " is out of range");
  const std::uint64_t clamped =
      std::min(length / kSectorSize * kSectorSize, image_->length() - offset);
  MIRRORSIM_ASSERT(clamped > 0, "block_status of less than a sector");
  settle_due();
  land_deferred_due(offset, clamped);  // only what the answer can show
  return image_->block_status(offset, clamped);
}

}  // namespace mirrorsim::sim
