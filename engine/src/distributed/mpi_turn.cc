// MpiTurn: a mutex, and a count of the threads waiting for it.
#include "mpi_turn.h"

#include <atomic>
#include <mutex>
#include <thread>

namespace n2v::distributed {
namespace {

std::mutex turn;
std::atomic<int> waiting{0};

}  // namespace

MpiTurn::MpiTurn() {
  waiting.fetch_add(1, std::memory_order_acq_rel);
  turn.lock();
  waiting.fetch_sub(1, std::memory_order_acq_rel);
}

MpiTurn::~MpiTurn() { turn.unlock(); }

void MpiTurn::GiveWay() {
  while (waiting.load(std::memory_order_acquire) > 0) std::this_thread::yield();
}

}  // namespace n2v::distributed
