// An address the UI has no page for.
import { Link } from '../routing/router.tsx';

export function NotFoundPage() {
  return (
    <div className="empty-state">
      <h1>Nothing here</h1>
      <p>This address is not a page of Slipway. <Link to="/">Go to the overview</Link>.</p>
    </div>
  );
}
