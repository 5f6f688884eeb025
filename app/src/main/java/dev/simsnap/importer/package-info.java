/** Reads seed-format folders (save/&lt;run&gt;, persona_data) completely, then publishes them as a run. */
package dev.simsnap.importer;
