// summary.json: what a campaign (or several merged shards) ran and found.
// The schema ("format": "mirrorsim-summary/2") is documented in README.md.
// It states only what happened: the case numbers that finished, every
// failure with its saved file, replay command and swarm options, the cases
// and failures per swarm feature, how the run stopped, and which tool,
// commit and command line produced it. Format 2 added the swarm fields;
// merge_summaries() still reads format 1 (which has none).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "properties/campaign.h"

namespace mirrorsim::reports {

inline constexpr std::string_view kSummaryFormat = "mirrorsim-summary/2";
// Older formats merge_summaries() accepts.
inline constexpr std::string_view kSummaryFormatWithoutSwarm = "mirrorsim-summary/1";

struct SummaryContext {
  std::string version;                    // "0.1.0"
  std::string commit;                     // git describe of the build
  std::vector<std::string> command_line;  // argv
  std::string date;                       // ISO 8601, UTC
};

nlohmann::json campaign_summary(const properties::CampaignOptions& options,
                                const properties::CampaignResult& result,
                                const SummaryContext& context);

// One summary for several shard summaries: counts add up (per swarm feature
// too), case numbers are joined, failures with the same property and the
// same shrunk case (digest) are listed once. A format-1 shard adds no swarm
// counts (a note says so; swarm.cases says how many cases were counted).
// Throws std::invalid_argument for summaries of different campaigns (seed,
// bugs, shard count) or an unknown format.
nlohmann::json merge_summaries(const std::vector<nlohmann::json>& shards,
                               const SummaryContext& context);

// Whether a summary (or a merged one) passes: nothing failed, nothing lost.
bool summary_ok(const nlohmann::json& summary);

// The most severe kind among the summary's failures (failure_list) and the
// saved failures that still fail (corpus); none when nothing failed. Read
// from each entry's "property", so older summaries without "kind" work too.
std::optional<properties::FailureKind> summary_failure_kind(const nlohmann::json& summary);

// Whether a saved failure of the corpus could not be loaded (bad input).
bool summary_has_unloadable_files(const nlohmann::json& summary);

// The current date and time as ISO 8601 UTC ("2026-11-30T22:50:00Z").
std::string utc_now();

}  // namespace mirrorsim::reports
