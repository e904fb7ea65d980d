// JUnit XML from a campaign summary (campaign_summary.h), in the dialect
// GitLab and GitHub render: one <testcase> per property per library
// scenario, one per property over the generated cases, one per failing
// generated case and saved failure (with the replay command in the failure
// text), and one for the campaign itself (interrupted, workers lost).
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace mirrorsim::reports {

std::string junit_xml(const nlohmann::json& summary);

}  // namespace mirrorsim::reports
