/** The clients' `product_design` table as the original system's apps created it (PROVIDERS.md §1.1). */
export const PRODUCT_DESIGN_TABLE = `
CREATE TABLE product_design (
  id uuid PRIMARY KEY,
  user_id uuid,
  prompt text,
  original_image_url text,
  job_id text UNIQUE,
  job_status text CHECK (job_status IN ('pending','processing','completed','failed','timeout')),
  job_created_at timestamptz,
  job_updated_at timestamptz,
  generated_designs_url jsonb,
  remixed_designs_url jsonb,
  error_message text,
  created_at timestamptz DEFAULT now(),
  updated_at timestamptz DEFAULT now()
);`;
