// The publication page follows the background ingest: reload every two seconds while it runs.
setTimeout(function () { window.location.reload(); }, 2000);
